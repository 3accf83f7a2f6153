//! The scheduler: who sees which task, and how an answer is taken in (`docs/ARCHITECTURE.md`, "The scheduler").
//!
//! Its promises, and what keeps each one:
//!
//! 1. *Never the same task twice to one volunteer*: a lease row is kept after it is answered or
//!    expires, and `(task_id, user_id)` is its primary key; the pick skips tasks with such a row.
//! 2. *No task handed out beyond its remaining redundancy*: each task counts its live leases
//!    (`leases_out`) beside its answers, and is `available` only while
//!    `answer_count + leases_out < needed`. On PostgreSQL a lease is one statement whose pick
//!    locks the task row (`FOR UPDATE SKIP LOCKED`) and re-checks it as it is now, so two
//!    instances cannot both take the last slot; on SQLite writes are serialised. Expired leases are swept
//!    back into the pool ([`sweep::expire_leases`]).
//! 3. *Adaptive redundancy*: a task needs `redundancy.min` answers; when they disagree
//!    (the consensus engine's `task_agreement`, the same rule a full run reports) it asks for
//!    one more, up to `redundancy.max`.
//! 4. *Nearly finished first, gold mixed in*: the pick orders by answer count, then priority,
//!    then tiling order; gold tasks are drawn at the campaign's rate, higher for newcomers.
//!
//! Everything here is synchronous. On SQLite each request runs inside one write transaction
//! (the writer's batch). On PostgreSQL the common cases write in one statement each, with no
//! transaction around their reads: a lease ([`statements::PgLeaseNext`]) and an answer
//! ([`intake::submit_answer_in_one_statement`]), which stores nothing unless its reads still
//! hold; anything else takes the full path in a transaction. Five statements per lease and answer
//! instead of sixteen: PostgreSQL's throughput is bound by its per-statement cost.

pub mod gold;
pub mod intake;
mod lease;
pub mod pick;
mod statements;
pub mod sweep;

pub use intake::{
    AnswerBody, AnswerReceipt, IntakeError, SubmitAnswer, SubmittedMark, submit_answer,
    submit_answer_in_one_statement, take_answer,
};
pub use lease::{LeaseError, lease};
pub use pick::{LeaseOutcome, NoTaskReason, Pick, lease_next};
