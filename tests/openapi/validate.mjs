// Validates an OpenAPI document with @apidevtools/swagger-parser (installed by
// scripts/test-all.sh into the folder OPENAPI_VALIDATOR_DIR names): the document must match
// the OpenAPI 3.1 schema and pass the parser's own checks (every $ref resolves, unique
// operation ids, path parameters declared). Usage: node validate.mjs DOCUMENT.json
// Prints `valid` and exits 0, or prints the problems and exits 1.
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { join } from "node:path";

const dir = process.env.OPENAPI_VALIDATOR_DIR;
if (!dir) {
  console.error("OPENAPI_VALIDATOR_DIR is not set");
  process.exit(2);
}
const require = createRequire(join(dir, "package.json"));
const SwaggerParser = require("@apidevtools/swagger-parser");

const document = JSON.parse(await readFile(process.argv[2], "utf8"));
try {
  const api = await SwaggerParser.validate(document);
  if (!String(api.openapi).startsWith("3.1")) {
    console.error(`not an OpenAPI 3.1 document: openapi = ${api.openapi}`);
    process.exit(1);
  }
  console.log("valid");
} catch (error) {
  console.error(error.message);
  for (const detail of error.details ?? []) console.error(JSON.stringify(detail));
  process.exit(1);
}
