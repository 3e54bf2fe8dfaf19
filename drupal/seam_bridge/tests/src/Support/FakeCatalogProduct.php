<?php

declare(strict_types=1);

namespace Drupal\Tests\seam_bridge\Support;

use Drupal\seam_bridge\CatalogTranslationPort;

/**
 * An in-memory product with variations and translations, for the handler's
 * tests: English is its language, $enabled the site's other languages.
 */
final class FakeCatalogProduct implements CatalogTranslationPort {

  /**
   * langcode => [title, body].
   *
   * @var array<string, array{title: string, body: array{value: string, format: string}|null}>
   */
  public array $translations = [];

  /**
   * variation uuid => [langcode => title].
   *
   * @var array<string, array<string, string>>
   */
  public array $variationTranslations = [];

  public int $writes = 0;

  /**
   * @param string[] $variations
   * @param string[] $enabled
   */
  public function __construct(
    private readonly array $variations = ['v-1', 'v-2'],
    private readonly array $enabled = ['en', 'de', 'fr'],
    private readonly bool $translatable = TRUE,
  ) {}

  public function defaultLangcode(): string {
    return 'en';
  }

  public function unavailableReason(string $langcode): ?string {
    if (!in_array($langcode, $this->enabled, TRUE)) {
      return "The language '$langcode' is not enabled on this site.";
    }
    return $this->translatable ? NULL : 'Products of type default are not translatable.';
  }

  public function variationUuids(): array {
    return $this->variations;
  }

  public function hasTranslation(string $langcode): bool {
    return isset($this->translations[$langcode]);
  }

  public function read(string $langcode): array {
    $variations = [];
    foreach ($this->variations as $uuid) {
      if (isset($this->variationTranslations[$uuid][$langcode])) {
        $variations[$uuid] = $this->variationTranslations[$uuid][$langcode];
      }
    }
    return $this->translations[$langcode] + ['variations' => $variations];
  }

  public function write(string $langcode, string $title, ?array $body, array $variationTitles): void {
    $this->writes++;
    $this->translations[$langcode] = ['title' => $title, 'body' => $body];
    foreach ($variationTitles as $uuid => $vtitle) {
      $this->variationTranslations[$uuid][$langcode] = $vtitle;
    }
  }

  public function remove(string $langcode): void {
    unset($this->translations[$langcode]);
    foreach ($this->variationTranslations as &$titles) {
      unset($titles[$langcode]);
    }
  }

}
