process.stdout.on("error", (e: any) => { if (e.code === "EPIPE") process.exit(0); });
import { main } from "../src/cli/main.js";
process.exitCode = await main(process.argv.slice(2));
