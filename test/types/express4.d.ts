// express@4 is installed as the alias `express4` beside express@5; both have the API the tests use.
declare module 'express4' {
  import express from 'express';
  export default express;
}
