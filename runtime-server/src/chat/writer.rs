//! Group commit of conversation writes.
//!
//! A turn writes twice: the visitor message before its `ack`, the answer
//! before `done`. Each used to be a transaction of its own, so a message cost
//! two SurrealDB queries to parse, plan and commit, and at a few hundred
//! messages a second that work, not the disk, was the limit (the engine
//! already groups the fsyncs of concurrent commits).
//!
//! Here one writer task per tenant database takes every write waiting when
//! it is free and stores them together: one `INSERT` of the messages and one
//! of their conversations' new sequence numbers, in one transaction. Each
//! caller waits for that transaction to commit (on the on-disk engine, to be
//! synced), so a frame that depends on a write is still sent only once the
//! write is durable. A few batches may be in flight at once, so one batch's
//! sync overlaps the next one's work.
//!
//! Batches do not conflict with each other: a conversation has at most one
//! write outstanding (its turns run one at a time under its lock, see
//! [`super::Conversation`]) and message ids are fresh. When a batch fails,
//! its writes are tried again one by one, so one bad write cannot fail the
//! turns that happened to share its batch.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use animo_shared::TenantId;
use serde_json::Value;
use tokio::sync::{Semaphore, mpsc, oneshot};

use crate::error::{ApiError, ApiResult};
use crate::store::{StoreError, TenantDb};

/// Most writes stored in one transaction.
const MAX_BATCH: usize = 256;
/// Most batches of one tenant being written at once.
const MAX_IN_FLIGHT: usize = 4;

/// A message to store with its conversation's new state.
#[derive(Debug)]
pub struct MessageWrite {
    /// The message record, with its `id` and `seq`.
    pub message: Value,
    /// The conversation record as it is after this message: its `id`, what
    /// a new conversation starts with, and `last_seq` and `last_at`, which
    /// are all an existing one takes from it.
    pub conversation: Value,
}

#[derive(Debug)]
struct Job {
    write: MessageWrite,
    done: oneshot::Sender<Result<(), StoreError>>,
}

#[derive(Debug)]
struct Queue {
    db: TenantDb,
    jobs: mpsc::UnboundedSender<Job>,
}

/// The writer tasks, one per tenant database, started on first use.
#[derive(Debug, Default)]
pub struct Writers {
    queues: Mutex<HashMap<TenantId, Queue>>,
}

impl Writers {
    /// Stores a message and its conversation's state, once durable.
    pub async fn write(&self, db: &TenantDb, write: MessageWrite) -> ApiResult<()> {
        let (done, stored) = oneshot::channel();
        let mut job = Job { write, done };
        // A queue whose session is not the tenant's current one (the tenant's
        // database was dropped and created again) is replaced.
        for _ in 0..2 {
            let jobs = self.queue(db);
            match jobs.send(job) {
                Ok(()) => {
                    return match stored.await {
                        Ok(result) => result.map_err(ApiError::from),
                        Err(_) => Err(ApiError::internal(anyhow::anyhow!("the conversation writer stopped"))),
                    };
                }
                Err(mpsc::error::SendError(returned)) => {
                    job = returned;
                    self.queues.lock().unwrap_or_else(PoisonError::into_inner).remove(db.tenant());
                }
            }
        }
        Err(ApiError::internal(anyhow::anyhow!("the conversation writer could not be started")))
    }

    fn queue(&self, db: &TenantDb) -> mpsc::UnboundedSender<Job> {
        let mut queues = self.queues.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(queue) = queues.get(db.tenant())
            && queue.db.same_session(db)
        {
            return queue.jobs.clone();
        }
        let (jobs, receiver) = mpsc::unbounded_channel();
        tokio::spawn(run(db.clone(), receiver));
        queues.insert(db.tenant().clone(), Queue { db: db.clone(), jobs: jobs.clone() });
        jobs
    }
}

/// The writer task of one tenant database: runs until its queue is dropped.
async fn run(db: TenantDb, mut jobs: mpsc::UnboundedReceiver<Job>) {
    let in_flight = Arc::new(Semaphore::new(MAX_IN_FLIGHT));
    let mut batch = Vec::with_capacity(MAX_BATCH);
    loop {
        // Waiting for a free slot first lets writes pile up into the next batch.
        let Ok(permit) = Arc::clone(&in_flight).acquire_owned().await else { return };
        if jobs.recv_many(&mut batch, MAX_BATCH).await == 0 {
            return;
        }
        let jobs_of_batch = std::mem::replace(&mut batch, Vec::with_capacity(MAX_BATCH));
        let db = db.clone();
        tokio::spawn(async move {
            store_batch(&db, jobs_of_batch).await;
            drop(permit);
        });
    }
}

async fn store_batch(db: &TenantDb, jobs: Vec<Job>) {
    let (writes, senders): (Vec<MessageWrite>, Vec<_>) = jobs.into_iter().map(|job| (job.write, job.done)).unzip();
    let result = insert(db, &writes).await;
    match result {
        Ok(()) => {
            for done in senders {
                // A caller that went away has nothing to be told.
                let _gone = done.send(Ok(()));
            }
        }
        Err(error) if writes.len() == 1 => {
            if let Some(done) = senders.into_iter().next() {
                let _gone = done.send(Err(error));
            }
        }
        Err(error) => {
            tracing::warn!(%error, writes = writes.len(), "a batch of conversation writes failed; writing them one by one");
            for (write, done) in writes.into_iter().zip(senders) {
                let _gone = done.send(insert(db, std::slice::from_ref(&write)).await);
            }
        }
    }
}

/// Stores messages and their conversations in one transaction.
///
/// A conversation's first message creates its record; later ones update
/// it. The two are separate statements because an `INSERT` (or `UPSERT`) of
/// a record that exists goes through the engine's "record exists" error
/// before its `ON DUPLICATE KEY` clause, and an error captures a stack trace
/// when the operator runs with `RUST_BACKTRACE` set: a cost of several
/// microseconds on every message. The first message keeps `ON DUPLICATE KEY`
/// for a record stored by a write whose outcome was not known.
async fn insert(db: &TenantDb, writes: &[MessageWrite]) -> Result<(), StoreError> {
    let messages: Vec<&Value> = writes.iter().map(|write| &write.message).collect();
    let (created, updated): (Vec<&Value>, Vec<&Value>) =
        writes.iter().map(|write| &write.conversation).partition(|conversation| starts(conversation));
    db.db()
        .query(
            "BEGIN TRANSACTION;
             INSERT INTO message $messages RETURN NONE;
             INSERT INTO conversation $created
                 ON DUPLICATE KEY UPDATE last_seq = $input.last_seq, last_at = $input.last_at RETURN NONE;
             FOR $conversation IN $updated {
                 UPDATE type::record('conversation', $conversation.id)
                     SET last_seq = $conversation.last_seq, last_at = $conversation.last_at RETURN NONE;
             };
             COMMIT TRANSACTION;",
        )
        .bind("messages", messages)
        .bind("created", created)
        .bind("updated", updated)
        .run()
        .await?;
    Ok(())
}

/// Whether a conversation record comes with its first message.
fn starts(conversation: &Value) -> bool {
    conversation.get("last_seq").and_then(Value::as_u64).is_none_or(|seq| seq <= 1)
}
