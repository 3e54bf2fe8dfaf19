<?php

declare(strict_types=1);

namespace Drupal\seam_bridge;

/**
 * The one product a catalog translation request is about, as
 * CatalogTranslationHandler sees it.
 *
 * Implemented over a commerce_product entity (and its variations) by
 * \Drupal\seam_bridge\Catalog\EntityCatalogTranslationPort, and by fakes in
 * unit tests.
 */
interface CatalogTranslationPort {

  /**
   * The language the product was written in (its untranslated values).
   */
  public function defaultLangcode(): string;

  /**
   * NULL when the product can be translated into $langcode, else why not
   * (the language is not enabled on the site, or products of this type are
   * not translatable).
   */
  public function unavailableReason(string $langcode): ?string;

  /**
   * The uuids of the product's variations.
   *
   * @return string[]
   */
  public function variationUuids(): array;

  public function hasTranslation(string $langcode): bool;

  /**
   * The product's translation: title, body ({value, format} or NULL) and the
   * titles of the variations that have a translation in that language.
   *
   * @return array{title: string, body: array{value: string, format: string}|null, variations: array<string, string>}
   */
  public function read(string $langcode): array;

  /**
   * Creates or updates the translation of the product and of the named
   * variations (uuid => title) and saves what changed. A new translation
   * starts from the untranslated values (price, status, ...), as Drupal's
   * translation form does.
   *
   * @param array{value: string, format: string}|null $body
   * @param array<string, string> $variationTitles
   */
  public function write(string $langcode, string $title, ?array $body, array $variationTitles): void;

  /**
   * Removes the translation of the product and of its variations in
   * $langcode, where there is one.
   */
  public function remove(string $langcode): void;

}
