// The storage seam: one opener, one Store interface, content-addressed raw files, and the error they raise.
export { openStore } from './open-store.js';
export {
  DEFAULT_STAGING,
  type ByteRange,
  type ObjectInfo,
  type PutFileOptions,
  type S3StoreOptions,
  type Store,
  type StoreCapabilities,
  type StoreOptions,
} from './store.js';
export {
  StorageError,
  isNotFound,
  STORAGE_ERROR_REASONS,
  type StorageErrorReason,
} from './storage-errors.js';
export { validateKey } from './keys.js';
export { parseLocation, redactUrl, type Location } from './location.js';
export {
  putContentAddressed,
  rawKey,
  SHA256_METADATA,
  type ContentAddressedResult,
} from './content-addressed.js';
export { hashFile } from './local-file.js';
