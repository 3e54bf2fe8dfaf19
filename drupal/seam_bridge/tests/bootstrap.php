<?php

/**
 * @file
 * Autoloader for the plain PHPUnit run (no Drupal, no Composer).
 *
 * Maps Drupal\seam_bridge\ to src/ and Drupal\Tests\seam_bridge\ to
 * tests/src/. Only the pure classes (no Drupal dependency) may be loaded by
 * the unit tests; loading a Drupal-glue class here fails loudly.
 */

declare(strict_types=1);

spl_autoload_register(static function (string $class): void {
  $map = [
    'Drupal\\Tests\\seam_bridge\\' => __DIR__ . '/src/',
    'Drupal\\seam_bridge\\' => dirname(__DIR__) . '/src/',
  ];
  foreach ($map as $prefix => $dir) {
    if (strncmp($class, $prefix, strlen($prefix)) === 0) {
      $file = $dir . str_replace('\\', '/', substr($class, strlen($prefix))) . '.php';
      if (is_file($file)) {
        require $file;
      }
      return;
    }
  }
});
