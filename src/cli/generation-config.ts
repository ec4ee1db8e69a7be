// Generation settings a Hugging Face checkpoint carries in config.json: the token an
// encoder-decoder's decoder starts from (decoder_start_token_id, else bos_token_id, as
// transformers falls back).
export function decoderStartOf(config: Record<string, unknown>): { decoderStart?: number[] } {
  const id = [config.decoder_start_token_id, config.bos_token_id].find((v): v is number => typeof v === "number" && Number.isInteger(v));
  return id === undefined ? {} : { decoderStart: [id] };
}
