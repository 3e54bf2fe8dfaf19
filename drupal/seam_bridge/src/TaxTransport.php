<?php

declare(strict_types=1);

namespace Drupal\seam_bridge;

/**
 * How TaxQuoter reaches POST {seam}/v1/tax/quote.
 *
 * Implemented with Drupal's HTTP client by
 * \Drupal\seam_bridge\Tax\HttpTaxTransport (URL, API key, timeout), and by
 * fakes in unit tests.
 */
interface TaxTransport {

  /**
   * Sends the canonical request body.
   *
   * @param string $json
   *   TaxQuoteRequest::json().
   *
   * @return array{0: int, 1: string}
   *   seam's HTTP status and body, whatever the status.
   *
   * @throws \RuntimeException
   *   When seam did not answer: not configured (no URL or API key),
   *   connection refused, timeout. The message says which, in one line.
   */
  public function post(string $json): array;

}
