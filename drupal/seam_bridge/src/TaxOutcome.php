<?php

declare(strict_types=1);

namespace Drupal\seam_bridge;

/**
 * What TaxQuoter did for one order refresh (immutable).
 *
 * Pure PHP. $state is the tax state written on the order (see TaxPolicy).
 */
final class TaxOutcome {

  /**
   * The order's last answer was applied again: no call.
   */
  public const REUSED = 'reused';

  /**
   * seam was asked and its answer applied.
   */
  public const QUOTED = 'quoted';

  /**
   * No usable answer: no tax applied, the state says why and what the
   * fallback is.
   */
  public const FAILED = 'failed';

  /**
   * No address yet: nothing asked, no tax.
   */
  public const NO_ADDRESS = 'no_address';

  /**
   * @param string $kind
   *   One of the constants.
   * @param array<string, mixed> $state
   *   The state written on the order.
   * @param bool $called
   *   Whether seam was called for this refresh.
   * @param \Drupal\seam_bridge\TaxQuoteResult|null $result
   *   The answer applied (REUSED, QUOTED).
   */
  public function __construct(
    public readonly string $kind,
    public readonly array $state,
    public readonly bool $called = FALSE,
    public readonly ?TaxQuoteResult $result = NULL,
  ) {}

  /**
   * Whether the order may not be placed (TaxPolicy::blocks()).
   */
  public function blocks(): bool {
    return TaxPolicy::blocks($this->state);
  }

}
