// The token API's body reader is the signing endpoint's: one 64 KiB limit, one way to answer 413
// (the rest of a large body read and dropped, so that the answer arrives). See readRequestBody.
export { MAX_BODY, readRequestBody as readBody } from 'wechat-share/server';
