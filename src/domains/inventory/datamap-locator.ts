// Where each node of a parsed data map came from (file, path, line), kept beside the model in
// a WeakMap so the model itself stays plain data. Cross-file checks (references, duplicates,
// reachability) use it to report a problem at the exact place in the right file.
import { IssueSink, type Path, type PathPart } from './datamap-reader.ts';
import type { IssueSeverity } from './datamap.types.ts';

export interface NodeLocation {
  sink: IssueSink;
  path: Path;
  /** False for nodes already in the database: only errors (caused by this import) are reported. */
  reportWarnings: boolean;
  /** A node of a Fides file, where some keys live under `fides_meta`. */
  fides?: boolean;
}

/** Keys that a Fides file holds under `fides_meta`, so a path points where the key really is. */
const FIDES_META_KEYS = new Set(['references', 'identity', 'primary_key', 'after', 'erase_after']);

export class Locator {
  private readonly places = new WeakMap<object, NodeLocation>();

  set(node: object, location: NodeLocation): void {
    this.places.set(node, location);
  }

  get(node: object): NodeLocation | undefined {
    return this.places.get(node);
  }

  report(node: object, sub: readonly PathPart[], severity: IssueSeverity, code: string, message: string): void {
    const at = this.places.get(node);
    if (!at) return;
    if (severity === 'warning' && !at.reportWarnings) return;
    const first = sub[0];
    const inMeta = at.fides === true && typeof first === 'string' && FIDES_META_KEYS.has(first);
    at.sink.add(severity, [...at.path, ...(inMeta ? ['fides_meta'] : []), ...sub], code, message);
  }
}
