<?php

declare(strict_types=1);

namespace Drupal\seam_bridge;

/**
 * Standard Webhooks (v1, HMAC-SHA256) signing and verification.
 *
 * Pure PHP, no Drupal dependency. The signed content is
 * "{webhook-id}.{webhook-timestamp}.{raw body}"; the key is the base64-decoded
 * part of the "whsec_" secret after the prefix. The signature header value is
 * "v1,<base64 HMAC>"; verification accepts a space-delimited list of entries
 * and skips entries whose version is not "v1".
 */
final class Signer {

  public const SECRET_PREFIX = 'whsec_';

  /**
   * Tolerance for webhook-timestamp in seconds, both directions.
   */
  public const TOLERANCE = 300;

  /**
   * The raw HMAC key.
   */
  private string $key;

  /**
   * @param string $secret
   *   A "whsec_<base64>" secret (the prefix is optional).
   *
   * @throws \InvalidArgumentException
   *   When the secret is empty or not valid base64.
   */
  public function __construct(string $secret) {
    $this->key = self::decodeSecret($secret);
  }

  /**
   * Returns the HMAC key of a "whsec_" secret.
   *
   * Accepts padded and unpadded base64, with or without the prefix.
   *
   * @throws \InvalidArgumentException
   */
  public static function decodeSecret(string $secret): string {
    $secret = trim($secret);
    if (strncmp($secret, self::SECRET_PREFIX, strlen(self::SECRET_PREFIX)) === 0) {
      $secret = substr($secret, strlen(self::SECRET_PREFIX));
    }
    if ($secret === '' || !preg_match('/^[A-Za-z0-9+\/]+={0,2}$/', $secret)) {
      throw new \InvalidArgumentException('The webhook secret is not a whsec_ base64 secret.');
    }
    $bare = rtrim($secret, '=');
    $key = strlen($bare) % 4 === 1 ? FALSE : base64_decode($bare . str_repeat('=', (4 - strlen($bare) % 4) % 4), TRUE);
    if ($key === FALSE || $key === '') {
      throw new \InvalidArgumentException('The webhook secret is not a whsec_ base64 secret.');
    }
    return $key;
  }

  /**
   * Signs one message; returns the webhook-signature header value "v1,...".
   *
   * @throws \InvalidArgumentException
   *   When the message id contains a "." (the spec forbids it).
   */
  public function sign(string $msgId, int $timestamp, string $body): string {
    if ($msgId === '' || str_contains($msgId, '.')) {
      throw new \InvalidArgumentException('A webhook-id must be non-empty and must not contain ".".');
    }
    $mac = hash_hmac('sha256', $msgId . '.' . $timestamp . '.' . $body, $this->key, TRUE);
    return 'v1,' . base64_encode($mac);
  }

  /**
   * Returns the three webhook-* headers plus content-type for one attempt.
   *
   * @return array<string, string>
   */
  public function headers(string $msgId, int $timestamp, string $body): array {
    return [
      'content-type' => 'application/json',
      'webhook-id' => $msgId,
      'webhook-timestamp' => (string) $timestamp,
      'webhook-signature' => $this->sign($msgId, $timestamp, $body),
    ];
  }

  /**
   * Verifies a webhook-signature header against a message.
   *
   * @param string $msgId
   *   The webhook-id header.
   * @param string $timestamp
   *   The webhook-timestamp header (decimal unix seconds).
   * @param string $body
   *   The raw body, exactly as received.
   * @param string $signatureHeader
   *   The webhook-signature header (space-delimited "v1,<b64>" entries).
   * @param int $now
   *   The current unix time.
   * @param int $tolerance
   *   Allowed clock difference in seconds, both directions.
   */
  public function verify(string $msgId, string $timestamp, string $body, string $signatureHeader, int $now, int $tolerance = self::TOLERANCE): bool {
    if (!preg_match('/^[0-9]{1,12}$/', $timestamp)) {
      return FALSE;
    }
    $ts = (int) $timestamp;
    if (abs($now - $ts) > $tolerance) {
      return FALSE;
    }
    try {
      $expected = substr($this->sign($msgId, $ts, $body), 3);
    }
    catch (\InvalidArgumentException $e) {
      return FALSE;
    }
    foreach (preg_split('/\s+/', trim($signatureHeader)) ?: [] as $entry) {
      $parts = explode(',', $entry, 2);
      if (count($parts) !== 2 || $parts[0] !== 'v1') {
        continue;
      }
      if (hash_equals($expected, $parts[1])) {
        return TRUE;
      }
    }
    return FALSE;
  }

  /**
   * Returns a new message id "msg_<uuid4>".
   */
  public static function newMessageId(): string {
    $b = random_bytes(16);
    $b[6] = chr((ord($b[6]) & 0x0f) | 0x40);
    $b[8] = chr((ord($b[8]) & 0x3f) | 0x80);
    $h = bin2hex($b);
    return sprintf('msg_%s-%s-%s-%s-%s', substr($h, 0, 8), substr($h, 8, 4), substr($h, 12, 4), substr($h, 16, 4), substr($h, 20, 12));
  }

}
