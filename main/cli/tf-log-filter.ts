/**
 * Drops libtensorflow's own log lines from a stream of stderr text: the absl warning it prints
 * before anything else and every line in absl/glog format (`I0000 00:00:1796.355383  22980
 * port.cc:153] oneDNN custom operations are on...`). TF_CPP_MIN_LOG_LEVEL no longer silences
 * them (they are written before TensorFlow reads it), so the CLI launcher filters its child's
 * stderr instead. Everything else passes unchanged and at once: a partial segment is held back
 * only while it could still turn out to be such a line.
 */

const ABSL_PREAMBLE = 'WARNING: All log messages before absl::InitializeLog() is called';
/** `<severity><mmdd> <time> <thread> <file>:<line>] ` (time `00:00:<epoch s>.<us>` early on) */
const GLOG_LINE = /^[IWEF]\d{4} [\d:.]+ +\d+ [^\s:]+:\d+\] /;
/** Prefixes of GLOG_LINE, header not complete yet. */
const GLOG_PREFIX = /^[IWEF](\d{1,4}( [\d:.]*( +\d*( [^\s\]]*\]?)?)?)?)?$/;

export function isTfLogLine(line: string): boolean {
  return line.startsWith(ABSL_PREAMBLE) || GLOG_LINE.test(line);
}

function couldBecomeTfLogLine(partial: string): boolean {
  return (
    ABSL_PREAMBLE.startsWith(partial) ||
    partial.startsWith(ABSL_PREAMBLE) ||
    GLOG_PREFIX.test(partial) ||
    GLOG_LINE.test(partial)
  );
}

export class TfLogFilter {
  /** The start of the current line, held back (it may still be a TF line). */
  private held = '';
  /** The current line was already judged: `pass` it through or `drop` it, up to its end. */
  private mode: 'undecided' | 'pass' | 'drop' = 'undecided';

  /** Takes the next chunk of text; returns what to write now. */
  push(chunk: string): string {
    let out = '';
    let rest = chunk;
    while (rest.length > 0) {
      // A carriage return (progress bars) starts a fresh line on screen too.
      const nl = rest.search(/[\r\n]/);
      const piece = nl === -1 ? rest : rest.slice(0, nl + 1);
      rest = nl === -1 ? '' : rest.slice(nl + 1);
      out += this.take(piece, nl !== -1);
    }
    return out;
  }

  /** The stream ended: an unfinished held line is written unless it is a TF line. */
  end(): string {
    const line = this.held;
    this.held = '';
    const keep = this.mode !== 'drop' && !isTfLogLine(line);
    this.mode = 'undecided';
    return keep ? line : '';
  }

  private take(piece: string, endsLine: boolean): string {
    let out = '';
    if (this.mode === 'pass') out = piece;
    else if (this.mode === 'undecided') {
      this.held += piece;
      if (endsLine) out = isTfLogLine(this.held) ? '' : this.held;
      else if (isTfLogLine(this.held)) this.mode = 'drop';
      else if (!couldBecomeTfLogLine(this.held)) {
        out = this.held;
        this.mode = 'pass';
      }
      if (this.mode !== 'undecided' || endsLine) this.held = '';
    }
    if (endsLine) {
      this.held = '';
      this.mode = 'undecided';
    }
    return out;
  }
}
