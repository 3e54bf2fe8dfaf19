<?php

declare(strict_types=1);

namespace Drupal\seam_bridge;

/**
 * What StockPolicy decided for one order line (immutable).
 *
 * Pure PHP. The customer's message is kept as a template with @placeholders
 * and its arguments, so that the Drupal glue can pass both to t() (and a
 * translator sees one string per message); text() fills it in without
 * Drupal, for tests and logs.
 */
final class StockDecision {

  /**
   * @param bool $available
   *   Whether the line may be ordered with the quantity asked for.
   * @param string|null $code
   *   NULL when available, else StockPolicy::CODE_OUT or CODE_SHORT.
   * @param string $template
   *   The message for the customer ('' when available).
   * @param array<string, string> $args
   *   The template's @placeholders.
   * @param string|null $quantity
   *   For StockPolicy::fit(): the quantity the line should have instead
   *   ("0": none left), NULL when it may keep its quantity. Always NULL for
   *   StockPolicy::check().
   */
  public function __construct(
    public readonly bool $available,
    public readonly ?string $code = NULL,
    public readonly string $template = '',
    public readonly array $args = [],
    public readonly ?string $quantity = NULL,
  ) {}

  /**
   * The message with its placeholders filled in ('' when available).
   */
  public function text(): string {
    return strtr($this->template, $this->args);
  }

}
