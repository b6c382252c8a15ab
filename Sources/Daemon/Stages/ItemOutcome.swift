/// How processing one spool item ended, which decides where its input goes.
public enum ItemOutcome: Sendable, Equatable {
    /// Outputs are durable: the input moves to `done/`.
    case done
    /// The input itself is at fault (corrupt, too large, invalid job): it moves to `failed/`
    /// beside `NAME.error.json` naming the stage and the reason.
    case failed(stage: String, error: String)
    /// The environment is at fault (disk full, unwritable output folder): the input goes back to
    /// its drop folder untouched, to be retried after a pause.
    case postponed(reason: String)
    /// The daemon is stopping: a job stays in `work/` (checkpointed) to be resumed at start-up.
    case interrupted
}
