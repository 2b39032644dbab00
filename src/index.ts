// Public library API of movalytics. Anything not exported here is internal.
export * from './errors.js';
