import { readFileSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../config/project-root';

export const packageVersion = (
  JSON.parse(readFileSync(path.join(projectRoot, 'package.json'), 'utf8')) as { version: string }
).version;
