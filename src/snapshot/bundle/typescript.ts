/**
 * TypeScript for the files esbuild cannot compile as Node would run them: decorators with
 * `emitDecoratorMetadata` (esbuild does not emit `design:paramtypes`, dependency injection
 * depends on it) are compiled by the app's own TypeScript, with its nearest tsconfig.json.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { ThawError } from '../../errors.js';

export const TS = /\.[cm]?tsx?$/;
/** A decorator applied to a class member or parameter (`@Injectable()`, `@Body() dto`). */
export const DECORATOR = /(^|[\s(,])@[A-Za-z_$][\w$.]*\s*(\(|\n|\s+(export|class|async|public|private|protected|readonly|static|get|set|[A-Za-z_$]))/m;

/** The nearest tsconfig.json above `file`, parsed by `ts` (extends followed). */
export class TsConfigs {
  private byDir = new Map<string, { options: Record<string, unknown>; path: string } | null>();
  constructor(private readonly ts: any) {}
  for(file: string): { options: Record<string, unknown>; path: string } | null {
    let dir = dirname(file);
    const seen: string[] = [];
    for (;;) {
      if (this.byDir.has(dir)) break;
      seen.push(dir);
      const p = join(dir, 'tsconfig.json');
      if (existsSync(p)) {
        const read = this.ts.readConfigFile(p, this.ts.sys.readFile);
        const parsed = read.error ? null : this.ts.parseJsonConfigFileContent(read.config, this.ts.sys, dir);
        this.byDir.set(dir, parsed ? { options: parsed.options, path: p } : null);
        break;
      }
      const up = dirname(dir);
      if (up === dir) {
        this.byDir.set(dir, null);
        break;
      }
      dir = up;
    }
    const found = this.byDir.get(dir) ?? null;
    for (const d of seen) this.byDir.set(d, found);
    return found;
  }
}

/** Does the nearest tsconfig.json ask for decorator metadata? (Read without TypeScript.) */
export function wantsDecoratorMetadata(file: string): string | null {
  let dir = dirname(file);
  for (;;) {
    const p = join(dir, 'tsconfig.json');
    if (existsSync(p)) return /"emitDecoratorMetadata"\s*:\s*true/.test(readFileSync(p, 'utf8')) ? p : null;
    const up = dirname(dir);
    if (up === dir) return null;
    dir = up;
  }
}

/** What sourcePlugin calls for a decorated file: the TypeScript module and its tsconfig reader. */
export type TypeScriptFor = (file: string, tsconfig: string) => { ts: any; tsconfigs: TsConfigs };

/** The app's TypeScript, found from the file (or the entry): needed for decorator metadata. */
export function typescriptFor(entry: string): TypeScriptFor {
  let ts: any;
  let tsconfigs: TsConfigs | undefined;
  return (file, tsconfig) => {
    if (ts === undefined) {
      for (const from of [file, entry]) {
        try {
          ts = createRequire(from)('typescript');
          break;
        } catch {
          ts = null;
        }
      }
    }
    if (!ts) {
      throw new ThawError('E_DECORATOR_METADATA', `${relative(process.cwd(), file)} uses decorators and ${relative(process.cwd(), tsconfig)} sets emitDecoratorMetadata, which esbuild cannot emit, and the app has no typescript package to compile it with`, {
        hint: "npm install --save-dev typescript (thaw then compiles decorated files with it), or build from tsc's output (thaw build dist/main.js)",
      });
    }
    tsconfigs ??= new TsConfigs(ts);
    return { ts, tsconfigs };
  };
}
