/** Worker thread for foldFile: folds one byte range of a perf script file and posts the counts. */
import { parentPort, workerData } from 'node:worker_threads';
import { foldPart, type FoldPart, type FoldPartResult } from './fold-stream.js';

const part = workerData as FoldPart;
const folder = await foldPart(part);
const result: FoldPartResult = { stacks: [...folder.stacks], counts: [...folder.sampleCounts], kinds: [...folder.kinds], perfMaps: folder.perfMaps, stats: folder.stats };
parentPort!.postMessage(result);
