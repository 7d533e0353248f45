/** `npm run asl`: writes asl/<name>.asl.json for every workflow (a test fails when they drift). */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { WORKFLOWS, aslFile, aslJson } from './index.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
for (const workflow of WORKFLOWS) {
  writeFileSync(`${root}${aslFile(workflow)}`, aslJson(workflow));
  console.log(`wrote ${aslFile(workflow)}`);
}
