// The set of job types a worker can run. A job type is looked up here by name when a job is
// claimed; a type that is not registered makes the job dead rather than leaving it to rot.
import type { JobDefinition } from './job.types.ts';

export const JOB_TYPE_PATTERN = /^[a-z][a-z0-9_]*(?:[.:-][a-z0-9_]+)*$/;
export const JOB_TYPE_MAX_LENGTH = 100;

export interface JobRegistry {
  get(type: string): JobDefinition | undefined;
  types(): string[];
}

export function assertJobType(type: string): void {
  if (type.length > JOB_TYPE_MAX_LENGTH || !JOB_TYPE_PATTERN.test(type)) {
    throw new TypeError(`job type "${type.slice(0, JOB_TYPE_MAX_LENGTH)}" must be lower-case words joined by . : - (at most ${JOB_TYPE_MAX_LENGTH} characters)`);
  }
}

/** Builds a registry; two definitions of one type are a programming error and throw. */
export function createJobRegistry(definitions: readonly JobDefinition[]): JobRegistry {
  const byType = new Map<string, JobDefinition>();
  for (const def of definitions) {
    assertJobType(def.type);
    if (byType.has(def.type)) throw new TypeError(`job type "${def.type}" is defined twice`);
    if (def.maxAttempts !== undefined && (!Number.isInteger(def.maxAttempts) || def.maxAttempts < 1 || def.maxAttempts > 100)) {
      throw new TypeError(`job type "${def.type}": maxAttempts must be a whole number from 1 to 100`);
    }
    if (def.leaseMs !== undefined && (!Number.isInteger(def.leaseMs) || def.leaseMs < 200)) {
      throw new TypeError(`job type "${def.type}": leaseMs must be a whole number of at least 200`);
    }
    byType.set(def.type, def);
  }
  return {
    get: (type) => byType.get(type),
    types: () => [...byType.keys()].sort(),
  };
}
