// Writes docs/data-dictionary.md from the instrument definitions.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { dictionaryMarkdown } from '../src/exchange/dictionary-markdown.js';

writeFileSync(path.resolve(import.meta.dirname, '../docs/data-dictionary.md'), dictionaryMarkdown());
