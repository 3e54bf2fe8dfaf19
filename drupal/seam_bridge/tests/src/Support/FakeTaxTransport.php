<?php

declare(strict_types=1);

namespace Drupal\Tests\seam_bridge\Support;

use Drupal\seam_bridge\TaxQuoteRequest;
use Drupal\seam_bridge\TaxTransport;

/**
 * seam's quote endpoint for TaxQuoter's tests: answers with a callable and
 * keeps every body it was sent.
 */
final class FakeTaxTransport implements TaxTransport {

  /**
   * The bodies posted, in order.
   *
   * @var string[]
   */
  public array $sent = [];

  /**
   * @param \Closure(array<string, mixed>, string): array{0: int, 1: string} $answer
   *   Gets the decoded request and its text; returns [status, body], or
   *   throws \RuntimeException for "no answer".
   */
  public function __construct(private \Closure $answer) {}

  public function post(string $json): array {
    $this->sent[] = $json;
    return ($this->answer)(json_decode($json, TRUE, 32, JSON_THROW_ON_ERROR), $json);
  }

  /**
   * seam answering every line at $rate (as its estimate does: half up at
   * two decimals), with one jurisdiction.
   */
  public static function answering(string $source = 'engine', string $rate = '0.0725', string $jurisdiction = 'CALIFORNIA'): self {
    return new self(static fn(array $req, string $json) => [200, json_encode(self::quote($req, $json, $source, $rate, $jurisdiction))]);
  }

  /**
   * A tax.quote@v1 answer to a request.
   *
   * @param array<string, mixed> $req
   *
   * @return array<string, mixed>
   */
  public static function quote(array $req, string $json, string $source = 'engine', string $rate = '0.0725', string $jurisdiction = 'CALIFORNIA'): array {
    $lines = [];
    $total = 0.0;
    $taxable = 0.0;
    foreach ($req['lines'] as $line) {
      // Test arithmetic only: the amounts here are small.
      $tax = sprintf('%.2f', round((float) $line['amount'] * (float) $rate + 1e-9, 2));
      $lines[] = ['id' => $line['id'], 'tax' => $tax, 'taxable' => $line['amount'], 'rate' => $rate];
      $total += (float) $tax;
      $taxable += (float) $line['amount'];
    }
    $shipping = NULL;
    if (isset($req['shipping'])) {
      $tax = sprintf('%.2f', round((float) $req['shipping']['amount'] * (float) $rate + 1e-9, 2));
      $shipping = ['tax' => $tax, 'taxable' => $req['shipping']['amount']];
      $total += (float) $tax;
    }
    return [
      'source' => $source,
      'estimate_reason' => $source === 'estimate' ? 'engine_timeout' : NULL,
      'currency' => $req['currency'],
      'lines' => $lines,
      'shipping' => $shipping,
      'total_tax' => sprintf('%.2f', $total),
      'total_taxable' => sprintf('%.2f', $taxable),
      'jurisdictions' => [['name' => $jurisdiction, 'type' => 'State', 'rate' => $rate, 'tax' => sprintf('%.2f', $total)]],
      // seam's quote key (TaxQuoteRequest::key()).
      'quote_key' => hash('sha256', $json . '|' . $req['date']),
      'age_seconds' => 0,
    ];
  }

  /**
   * The quote key of a cart, as the module computes it.
   *
   * @param array<string, mixed> $cart
   */
  public static function keyOf(array $cart): string {
    return TaxQuoteRequest::build($cart)->key();
  }

}
