import { writeFile } from 'node:fs/promises';
import { generatedDocs } from './generated-docs.js';

// npm run docs: rewrites the generated parts of the README and docs/ from the scenarios.
for (const [file, text] of Object.entries(await generatedDocs())) {
  await writeFile(file, text);
  console.log(`wrote ${file}`);
}
