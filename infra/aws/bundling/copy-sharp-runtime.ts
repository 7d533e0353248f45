/** `node --import tsx copy-sharp-runtime.ts <outputDir>`: a bundling hook's command (see task-function.ts). */
import { copySharpRuntime } from './sharp-runtime.ts';

const outputDir = process.argv[2];
if (!outputDir) {
  console.error('usage: copy-sharp-runtime.ts <outputDir>');
  process.exit(2);
}
copySharpRuntime(outputDir);
