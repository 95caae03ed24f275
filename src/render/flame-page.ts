/** The flame graph page's entry point (bundled by src/browser.ts): reads the page's data and draws it. */
import { flameClient } from './flame-client.js';
import type { FlameData } from './flame-data.js';

flameClient(JSON.parse(document.getElementById('flame-data')!.textContent!) as FlameData);
