export { tessera, type TesseraDecorator } from './plugin.js'
export { buildServer, type ServerOptions } from './server.js'
export { createTessera, type Tessera, type TesseraOptions } from './runtime.js'
export { errorResponse, handleError } from './errors.js'
