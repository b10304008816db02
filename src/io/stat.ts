import { statSync } from 'node:fs';

/** What is at `file`, or undefined when nothing is (statSync's other errors are thrown). */
export const statIfThere = (file: string) => statSync(file, { throwIfNoEntry: false });
