//! A user-centric load (`--user-centric-rate` with `--num-users`), as AIPerf 0.13 issues it: N
//! users share the rate, each sending its session's turns `N / rate` seconds apart (the turn
//! gap), never two of its own at once. At the start the users are spread over a session's
//! lifetime as if the load had been running all along (its "virtual history": the oldest user
//! is done and replaced at once, the others have from 1 to all but one turn left), their first
//! turns `1 / rate` apart. Each user's replacement joins one turn gap after the user's last turn
//! was due, had every reply been on time: an absolute schedule, which late replies do not move.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use aiperf_core::{Endpoint, Transport};
use tokio::sync::watch;
use tokio::task::JoinSet;

use super::arrivals::Arrival;
use super::sessions::{Pacing, Session};
use super::{PhaseRun, until_stopped};
use crate::config::Users;
use crate::source::Inputs;

/// A user at the start: where it stands in the first turns' order, and the turns it has left.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Initial {
    /// Its first turn is this many `1 / rate` steps after the start.
    pub order: usize,
    /// Its turns left (none: its whole session, a user joining now).
    pub turns: Option<usize>,
}

/// The users at the start of a load of `users` users whose sessions have `session_turns` turns:
/// AIPerf's virtual history. A session lives `session_turns - 1` gaps; user `i` is `(users - i)`
/// N-ths of a lifetime into its session, so it has that much less of it left; the oldest is done
/// (left out) and a new user with the whole session goes first. Their orders are spread over
/// the `users` slots by the age's remainder, or by a step coprime with `users` when the two
/// counts share a factor (the remainders would collide).
pub(super) fn initial_users(users: usize, session_turns: usize) -> Vec<Initial> {
    let lifetime = session_turns.saturating_sub(1).max(1);
    let step = (gcd(users, lifetime) > 1).then(|| (2..users).find(|&s| gcd(users, s) == 1).unwrap_or(1));
    let mut initial = Vec::with_capacity(users + 1);
    for i in 0..users {
        let age = (users - i) * lifetime;
        let left = lifetime - age / users;
        if left == 0 {
            continue;
        }
        let slot = match step {
            Some(step) => (i * step) % users,
            None => age % users,
        };
        initial.push(Initial { order: users - slot, turns: Some(left) });
    }
    initial.push(Initial { order: 0, turns: None });
    initial
}

fn gcd(a: usize, b: usize) -> usize {
    if b == 0 { a } else { gcd(b, a % b) }
}

/// Runs the load: the initial users at their times, then each replacement at its own, until no
/// request may be issued any more (count, deadline, stop, failure limit). Users' tasks go to
/// `tasks` (drained by the caller).
pub(super) async fn run<E: Endpoint + 'static, T: Transport + 'static>(
    run: &Arc<PhaseRun<E, T>>,
    users: Users,
    tasks: &mut JoinSet<()>,
    stop: &mut watch::Receiver<bool>,
    start: Instant,
) {
    let stagger = Duration::from_secs_f64(1.0 / users.rate);
    let gap = Duration::from_secs_f64(users.turn_gap());
    let session_turns = match run.path.inputs() {
        Inputs::Sessions(sessions) => sessions.conversations.average_turns().round().max(1.0) as usize,
        _ => 1,
    };
    let mut next_user = 0;
    let mut joins = BinaryHeap::new();
    for initial in initial_users(users.count, session_turns) {
        let at = start + stagger * u32::try_from(initial.order).unwrap_or(u32::MAX);
        let turns = spawn(run, at, initial.turns, gap, &mut next_user, tasks, stop);
        joins.push(Reverse(at + gap * u32::try_from(turns).unwrap_or(u32::MAX)));
    }
    while let Some(Reverse(at)) = joins.pop() {
        if run.plan.deadline.is_some_and(|deadline| at >= deadline) {
            break;
        }
        tokio::select! {
            () = tokio::time::sleep_until(at.checked_sub(super::wait::LEAD).unwrap_or(at).into()) => {}
            () = until_stopped(stop) => break,
        }
        // Finished users are reaped as the load goes: a long run's memory stays that of its users.
        while tasks.try_join_next().is_some() {}
        if !run.may_issue(run.next_request.load(Ordering::Relaxed), stop) {
            break;
        }
        let turns = spawn(run, at, None, gap, &mut next_user, tasks, stop);
        joins.push(Reverse(at + gap * u32::try_from(turns).unwrap_or(u32::MAX)));
    }
}

/// Starts user `next_user` (and counts it), its first turn at `at`, sending `turns` turns of its
/// session (none: all of them); returns the turns it will send.
fn spawn<E: Endpoint + 'static, T: Transport + 'static>(
    run: &Arc<PhaseRun<E, T>>,
    at: Instant,
    turns: Option<usize>,
    gap: Duration,
    next_user: &mut usize,
    tasks: &mut JoinSet<()>,
    stop: &watch::Receiver<bool>,
) -> usize {
    let user = *next_user;
    *next_user += 1;
    if let Inputs::Sessions(sessions) = run.path.inputs() {
        let session = run.session(user);
        let turns = turns.unwrap_or(usize::MAX).min(sessions.conversations.list[session.conversation].turns.len());
        let session = Session { pacing: Pacing::Gap { first: at, gap, turns }, ..session };
        let stop = stop.clone();
        tasks.spawn(session.send(stop));
        return turns;
    }
    // Single requests: a user of one turn.
    let run = Arc::clone(run);
    let stop = stop.clone();
    tasks.spawn(async move {
        let index = run.next_request.fetch_add(1, Ordering::Relaxed);
        if run.may_issue(index, &stop) {
            run.send_entry(index, Arrival { due: Some(at), scheduled_entry: None }, user).await;
        }
    });
    1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_virtual_history_is_aiperf_s_table_of_15_users_of_20_turns() {
        // AIPerf's own example (user_centric_rate.py): first-turn order → turns left, users 2..15
        // and the new user 16 (user 1 is done before the start).
        let mut by_order: Vec<(usize, Option<usize>)> = initial_users(15, 20).iter().map(|u| (u.order, u.turns)).collect();
        by_order.sort_unstable();
        let turns: Vec<usize> = by_order.iter().map(|(_, t)| t.unwrap_or(20)).collect();
        assert_eq!(turns, [20, 6, 11, 16, 2, 7, 12, 17, 3, 8, 13, 18, 4, 9, 14]);
        let orders: Vec<usize> = by_order.iter().map(|(o, _)| *o).collect();
        assert_eq!(orders, (0..15).collect::<Vec<_>>(), "one first turn per 1/rate step");
    }

    #[test]
    fn single_requests_are_users_of_one_turn_each_in_a_slot_of_its_own() {
        let initial = initial_users(4, 1);
        assert_eq!(initial.len(), 4, "the oldest is done, a new one replaces it");
        assert!(initial.iter().all(|u| u.turns != Some(0)));
        let mut orders: Vec<usize> = initial.iter().map(|u| u.order).collect();
        orders.sort_unstable();
        orders.dedup();
        assert_eq!(orders.len(), 4);
    }
}
