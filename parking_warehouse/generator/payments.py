"""Payment attempts for a completed session: failures and retries, pending, refunds.

Status codes inside the generator; the text is written only at insert time.
"""

from __future__ import annotations

import numpy as np

from parking_warehouse.generator.clock import US

PENDING, COMPLETED, FAILED, REFUNDED = 0, 1, 2, 3
STATUS_TEXT = np.array(["pending", "completed", "failed", "refunded"], dtype=object)
CASH, ONLINE = 0, 1
METHOD_TEXT = np.array(["cash", "online"], dtype=object)

FAIL_ONCE, FAIL_TWICE = 0.065, 0.015     # online first attempts that fail once / twice
RETRY_ONLINE = 0.75                      # after a failure: retry online, else pay cash
STUCK_PENDING = 0.006                    # online checkouts abandoned: pending forever
SETTLE_MAX_SECONDS = 60                  # an attempt completes or fails at most this long after creation
SETTLE_COMPLETES = 0.92                  # --append-days: share of attempts in flight at "now" that complete
REFUND_SHARE = 0.006                     # completed payments refunded later
REFUND_MEDIAN_SECONDS = 24 * 3600


def _uniform_us(rng, low_s: float, high_s: float, n: int) -> np.ndarray:
    return rng.integers(int(low_s * US), int(high_s * US), n)


def payment_attempts(rng: np.random.Generator, session_id: np.ndarray, exit_us: np.ndarray,
                     cents: np.ndarray, online_share: np.ndarray, now_us: int) -> dict[str, np.ndarray]:
    """The payment rows, as of `now_us`, of sessions that ended at `exit_us` with a fee > 0.

    The first attempt is created 1-90 s after exit; a retry 20-300 s after the previous attempt.
    An attempt completes (or fails) 2-60 s after it was created. Events after `now_us` have not
    happened: a row created later does not exist, a completion or failure later leaves it pending,
    a refund later leaves it completed.
    """
    n = len(session_id)
    online_first = rng.random(n) < online_share
    u = rng.random(n)
    fails = np.where(online_first, (u < FAIL_ONCE + FAIL_TWICE).astype(np.int64) + (u < FAIL_TWICE), 0)
    final_online = np.where(fails > 0, rng.random(n) < RETRY_ONLINE, online_first)
    counts = fails + 1
    rows = int(counts.sum())
    owner = np.repeat(np.arange(n), counts)
    starts = np.cumsum(counts) - counts
    attempt = np.arange(rows) - starts[owner]
    last = attempt == fails[owner]
    method = np.where(last, final_online[owner], True).astype(np.int64)
    gap = np.where(
        attempt == 0,
        np.where(method == ONLINE, _uniform_us(rng, 1, 25, rows), _uniform_us(rng, 5, 90, rows)),
        _uniform_us(rng, 20, 300, rows),
    )
    running = np.cumsum(gap)
    created = exit_us[owner] + running - (running[starts] - gap[starts])[owner]
    done = created + np.where(method == ONLINE, _uniform_us(rng, 2, 40, rows),
                              _uniform_us(rng, 3, SETTLE_MAX_SECONDS, rows))
    status = np.where(last, COMPLETED, FAILED)
    stuck = last & (method == ONLINE) & (rng.random(rows) < STUCK_PENDING)
    refunded = last & ~stuck & (rng.random(rows) < REFUND_SHARE)
    refund_at = done + np.maximum(
        600 * US, (REFUND_MEDIAN_SECONDS * US * rng.lognormal(0.0, 1.0, rows)).astype(np.int64))
    status = np.where(refunded & (refund_at <= now_us), REFUNDED, status)
    status = np.where(stuck | (done > now_us), PENDING, status)
    paid = np.where((status == COMPLETED) | (status == REFUNDED), done, -1)
    updated = np.select(
        [status == PENDING, status == REFUNDED], [created, refund_at], default=done)
    keep = created <= now_us
    return {
        "session_id": session_id[owner][keep],
        "cents": cents[owner][keep],
        "method": method[keep],
        "status": status[keep],
        "paid": paid[keep],
        "created": created[keep],
        "updated": updated[keep],
    }


def concat(parts: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    parts = [p for p in parts if p and len(p["created"])]
    if not parts:
        return {}
    return {key: np.concatenate([p[key] for p in parts]) for key in parts[0]}


def take(rows: dict[str, np.ndarray], mask_or_index) -> dict[str, np.ndarray]:
    return {key: value[mask_or_index] for key, value in rows.items()}


def transaction_id(payment_id: int, created_text: str, seed: int) -> str:
    """A gateway-style id: the creation date and a bijective scramble of the payment id."""
    scrambled = (payment_id * 2654435761 + seed * 7919) % 10**10
    return f"TXN-{created_text[:4]}{created_text[5:7]}{created_text[8:10]}-{scrambled:010d}"
