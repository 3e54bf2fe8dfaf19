<?php

declare(strict_types=1);

namespace Drupal\seam_bridge;

/**
 * Finds the whsec_ signing secret in settings.php or the environment.
 *
 * Pure PHP: the caller passes readers for settings and environment. Config
 * only names where the secret is (source "settings" + a $settings key, or
 * "env" + a variable name); the secret itself is never in config.
 */
final class SecretResolver {

  public const SOURCE_SETTINGS = 'settings';
  public const SOURCE_ENV = 'env';
  public const DEFAULT_SETTINGS_KEY = 'seam_bridge_secret';
  public const DEFAULT_ENV_VAR = 'SEAM_BRIDGE_SECRET';

  /**
   * Returns the secret, or NULL when it is not set.
   *
   * @param string $source
   *   "settings" or "env".
   * @param string $name
   *   The settings key or environment variable name ('' = the default).
   * @param callable(string): mixed $settings
   *   Reads a $settings key (Settings::get).
   * @param callable(string): mixed $env
   *   Reads an environment variable (getenv).
   */
  public static function resolve(string $source, string $name, callable $settings, callable $env): ?string {
    if ($source === self::SOURCE_ENV) {
      $value = $env($name !== '' ? $name : self::DEFAULT_ENV_VAR);
    }
    else {
      $value = $settings($name !== '' ? $name : self::DEFAULT_SETTINGS_KEY);
    }
    if (!is_string($value) || trim($value) === '') {
      return NULL;
    }
    return trim($value);
  }

  /**
   * Whether a value looks like a usable whsec_ secret.
   */
  public static function isUsable(?string $secret): bool {
    if ($secret === NULL || !str_starts_with($secret, Signer::SECRET_PREFIX)) {
      return FALSE;
    }
    try {
      Signer::decodeSecret($secret);
      return TRUE;
    }
    catch (\InvalidArgumentException $e) {
      return FALSE;
    }
  }

}
