import type { Runtime } from '../../runtime.js'
import type { TesseraApi } from '../api.js'

/** What every route module receives from the plugin. */
export interface RouteDeps {
  runtime: Runtime
  /** The preHandler that requires an access token (see `TesseraApi.authenticate`). */
  authenticate: TesseraApi['authenticate']
}
