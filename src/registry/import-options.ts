// The options a tidy CSV import takes and the summary and problems it reports.
import type { CsvEncoding } from '../exchange/csv.js';

export interface ImportProblem {
  /** 1-based line in the file (the header is line 1). */
  line: number;
  column: string;
  message: string;
}

export interface ImportSummary {
  rows: number;
  subjects: number;
  responses: number;
  sitesCreated: string[];
  dryRun: boolean;
}

export interface ImportOptions {
  dryRun?: boolean;
  /** Rows checked and written so far, of all rows in the file (known once the file is read). */
  onProgress?: (done: number, total: number) => void;
  /** Problems reported in full (the rest are counted); default 100. */
  maxProblems?: number;
  /** How the file's bytes are text: UTF-8 (default) or Latin-1 when told. */
  encoding?: CsvEncoding;
}
