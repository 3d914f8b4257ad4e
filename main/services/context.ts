/** Who is calling: lets services scope per-window state and log the origin of a request. */
export interface ServiceContext {
  readonly clientId: string;
}
