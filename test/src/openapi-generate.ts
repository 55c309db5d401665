/**
 * Writes src/generated/openapi.ts, the REST face's types generated from the orchestrator's
 * OpenAPI document, for the openapi-fetch client of openapi.test.ts (`npm run generate`; CI's
 * `npm run generate:check` fails when the committed file is stale).
 */
import { openApiDocument } from '@ucloud/orchestrator';
import openapiTS, { astToString, COMMENT_HEADER } from 'openapi-typescript';
import { writeFileSync } from 'node:fs';

const ast = await openapiTS(JSON.stringify(openApiDocument()), {
  silent: true,
  // A property with a default is optional in a request: the required lists say what must be there.
  defaultNonNullable: false,
});
writeFileSync(
  new URL('../src/generated/openapi.ts', import.meta.url),
  `${COMMENT_HEADER.trimEnd()}\n// Generated from GET /api/openapi.json by test/src/openapi-generate.ts: run \`npm run generate\`.\n\n${astToString(ast)}`,
);
