// Pure: a remote host as configured (hosts.yaml), as workers record it.

/** One remote host as configured. */
export interface Host {
  name: string;
  ssh: string;
  sshConfig?: string;
  dir: string;
  cwd?: string;
  env: Record<string, string>;
  /** The caller's variables sent there (besides the agent profile's forwardEnv); nothing else of it goes. */
  forward: string[];
  maxWorkers: number;
  /** The file it was read from, for messages. */
  source: string;
}
