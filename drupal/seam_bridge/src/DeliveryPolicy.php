<?php

declare(strict_types=1);

namespace Drupal\seam_bridge;

/**
 * What to do after one delivery attempt of an event to seam.
 *
 * Pure PHP. Follows the Standard Webhooks recommendations: any 2xx is
 * success, redirects are not followed (and are retried), 410 Gone and answers
 * that can never change for the same bytes (400, 413, 422) stop the retries,
 * everything else (network errors, timeouts, 401/403/404 while seam is being
 * configured, 408, 409, 429, 5xx) is retried on the schedule below, honouring
 * Retry-After when it asks for longer. After MAX_ATTEMPTS the event is
 * dropped with an error in the log.
 */
final class DeliveryPolicy {

  public const OK = 'ok';
  public const RETRY = 'retry';
  public const DROP = 'drop';

  /**
   * Delay in seconds before attempt n+1, indexed by attempts made so far - 1
   * (Standard Webhooks' example schedule after the immediate first attempt).
   */
  public const SCHEDULE = [5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400];

  public const MAX_ATTEMPTS = 10;
  public const MAX_DELAY = 86400;

  /**
   * Classifies an HTTP status; NULL means no answer (network error, timeout).
   */
  public static function classify(?int $status): string {
    if ($status !== NULL && $status >= 200 && $status < 300) {
      return self::OK;
    }
    if (in_array($status, [400, 410, 413, 422], TRUE)) {
      return self::DROP;
    }
    return self::RETRY;
  }

  /**
   * Seconds to wait before the next attempt, or NULL to give up.
   *
   * @param int $attempts
   *   Attempts made so far (>= 1).
   * @param string|null $retryAfter
   *   The Retry-After header of the last answer (seconds or HTTP date).
   * @param int $now
   *   Current unix time (for an HTTP-date Retry-After).
   */
  public static function nextDelay(int $attempts, ?string $retryAfter = NULL, int $now = 0): ?int {
    if ($attempts >= self::MAX_ATTEMPTS) {
      return NULL;
    }
    $delay = self::SCHEDULE[max(0, min($attempts - 1, count(self::SCHEDULE) - 1))];
    $asked = self::parseRetryAfter($retryAfter, $now);
    if ($asked !== NULL && $asked > $delay) {
      $delay = min($asked, self::MAX_DELAY);
    }
    return $delay;
  }

  /**
   * Seconds asked by a Retry-After header, or NULL when absent or unreadable.
   */
  public static function parseRetryAfter(?string $value, int $now): ?int {
    if ($value === NULL || trim($value) === '') {
      return NULL;
    }
    $value = trim($value);
    if (preg_match('/^[0-9]{1,9}$/', $value)) {
      return (int) $value;
    }
    $t = strtotime($value);
    if ($t === FALSE || !preg_match('/GMT$/', $value)) {
      return NULL;
    }
    return max(0, $t - $now);
  }

}
