/**
 * What the runner does with a step's output before anyone sees it: workflow commands
 * (`::add-mask::`, `::error::`, `::group::`, ...) are acted on instead of printed, and every
 * masked value is replaced by ***. Masks live for the whole rehearsal, as secrets do on a run.
 */

export class Masks {
  private readonly values = new Set<string>();

  add(value: string | undefined): void {
    if (!value || value.trim() === '') return;
    this.values.add(value);
    // the runner also masks each line of a multi-line secret (a PEM key printed line by line)
    for (const line of value.split(/\r?\n/)) if (line.trim().length >= 2) this.values.add(line);
  }

  apply(text: string): string {
    const ordered = [...this.values].sort((a, b) => b.length - a.length);
    return ordered.reduce((masked, secret) => masked.split(secret).join('***'), text);
  }

  /** true when the text shows a masked value (the runner then refuses to pass it on as a job output) */
  reveals(text: string): boolean {
    return [...this.values].some(secret => text.includes(secret));
  }
}

export interface Annotation {
  level: 'error' | 'warning' | 'notice';
  message: string;
}

function unescapeData(data: string): string {
  return data.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
}

/** What a whole rehearsal has printed already: notes said once are not said again. */
export class Said {
  private readonly keys = new Set<string>();
  /** true the first time a key is seen */
  first(key: string): boolean {
    if (this.keys.has(key)) return false;
    this.keys.add(key);
    return true;
  }
}

/** Lines of a `::group::` shown before the rest is folded (the full log keeps them all). */
const GROUP_HEAD = 3;
/** Long hex ids (task ids, digests): lines that differ only in them count as repeats. */
const IDS = /[0-9a-f]{16,}/g;

/**
 * Turns raw output chunks into the lines a user sees, one step at a time. `lines` keeps every line (the
 * step's full log); what is printed is quieter: a group (builder output) shows its first lines and then
 * how many it folded, consecutive lines that differ only in ids are counted instead of repeated, and a
 * note given a `once` key is printed once per rehearsal.
 */
export class StepLog {
  readonly lines: string[] = [];
  readonly annotations: Annotation[] = [];
  /** outputs set with the deprecated `::set-output` command */
  readonly legacyOutputs: Record<string, string> = {};
  private partial = '';
  private stopToken: string | undefined;
  private group: { shown: number; folded: number } | undefined;
  private last: { shape: string; repeats: number } | undefined;
  /** where the full log is written (said on folded lines) */
  logFile?: string;

  constructor(
    private readonly masks: Masks,
    private readonly print: (line: string) => void,
    private readonly debug = false,
    private readonly said: Said = new Said()
  ) {}

  write(chunk: string): void {
    const text = this.partial + chunk;
    const lines = text.split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) this.line(line.replace(/\r$/, ''));
  }

  /** flushes a last line written without a newline */
  end(): void {
    if (this.partial !== '') this.line(this.partial);
    this.partial = '';
    this.closeGroup();
    this.flushRepeats();
  }

  /**
   * A line the rehearsal itself writes into the step log (masked like the rest). With `once`, it is
   * printed the first time that key is given in this rehearsal (it stays in every step's full log).
   */
  note(message: string, once?: string): void {
    if (once !== undefined && !this.said.first(once)) {
      this.lines.push(this.masks.apply(message));
      return;
    }
    this.show(message);
  }

  private show(line: string, always = false): void {
    const masked = this.masks.apply(line);
    this.lines.push(masked);
    if (this.group && !always) {
      if (this.group.shown >= GROUP_HEAD) {
        this.group.folded++;
        return;
      }
      this.group.shown++;
    }
    const shape = masked.replace(IDS, '…');
    if (this.last && this.last.shape === shape && !always) {
      this.last.repeats++;
      return;
    }
    this.flushRepeats();
    this.last = { shape, repeats: 0 };
    this.print(masked);
  }

  private readonly errors: string[] = [];

  /** true when the message ends like an error already shown in this step (same cause, said again) */
  private repeatsAnError(message: string): boolean {
    const text = message.trim();
    const commonTail = (a: string, b: string) => {
      let length = 0;
      while (length < a.length && length < b.length && a[a.length - 1 - length] === b[b.length - 1 - length])
        length++;
      return length;
    };
    // the same cause: a long shared ending (at least 40 characters, or all of the shorter message)
    const repeated = this.errors.some(earlier => {
      const shared = commonTail(earlier, text);
      return shared >= Math.min(40, earlier.length, text.length);
    });
    this.errors.push(text);
    return repeated;
  }

  private flushRepeats(): void {
    if (this.last && this.last.repeats > 0) {
      this.print(`  (and ${this.last.repeats} more like it)`);
    }
    this.last = undefined;
  }

  private closeGroup(): void {
    if (!this.group) return;
    const { folded } = this.group;
    this.group = undefined;
    if (folded > 0) {
      this.flushRepeats();
      this.print(
        `  … ${folded} more line${folded === 1 ? '' : 's'} folded${this.logFile ? ` (full log: ${this.logFile})` : ''}`
      );
    }
  }

  private line(raw: string): void {
    const command = /^::([a-zA-Z-]+)(?: ([^:]*))?::(.*)$/.exec(raw);
    if (this.stopToken !== undefined) {
      if (command && command[1] === this.stopToken) this.stopToken = undefined;
      else this.show(raw);
      return;
    }
    if (!command) return this.show(raw);
    const [, name, properties = '', data] = command;
    const value = unescapeData(data);
    switch (name) {
      case 'add-mask':
        this.masks.add(value);
        return;
      case 'error':
      case 'warning':
      case 'notice': {
        this.annotations.push({ level: name, message: this.masks.apply(value) });
        const label = name === 'error' ? 'Error' : name === 'warning' ? 'Warning' : 'Notice';
        // one error per failure: an action that logs the cause and then fails with it says it once here
        if (name === 'error' && this.repeatsAnError(value)) {
          this.lines.push(this.masks.apply(`${label}: ${value}`));
          return;
        }
        // annotations are never folded away
        return this.show(`${label}: ${value}`, true);
      }
      case 'group':
        this.closeGroup();
        this.show(`▸ ${value}`);
        this.group = { shown: 0, folded: 0 };
        return;
      case 'endgroup':
        this.closeGroup();
        return;
      case 'debug':
        if (this.debug) this.show(`Debug: ${value}`);
        return;
      case 'stop-commands':
        this.stopToken = value;
        return;
      case 'set-output': {
        const outputName = /(?:^|,)name=([^,]+)/.exec(properties)?.[1];
        if (outputName) this.legacyOutputs[outputName] = value;
        return this.show('Warning: The `set-output` command is deprecated; write to $GITHUB_OUTPUT instead');
      }
      case 'save-state':
      case 'echo':
      case 'add-matcher':
      case 'remove-matcher':
        return;
      default:
        return this.show(raw);
    }
  }
}
