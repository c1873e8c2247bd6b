// The only way into tmux: a client per server, its errors, and format helpers.
export * from './client.js';
export * from './errors.js';
export * from './formats.js';
export * from './run.js';
