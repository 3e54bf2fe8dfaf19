<?php

declare(strict_types=1);

namespace Drupal\Tests\seam_bridge\Unit;

use Drupal\seam_bridge\Money;
use PHPUnit\Framework\TestCase;

/**
 * @coversDefaultClass \Drupal\seam_bridge\Money
 */
final class MoneyTest extends TestCase {

  public function testParseKeepsScale(): void {
    $this->assertSame(['number' => '10.00', 'currency_code' => 'USD'], Money::of('10.00', 'USD')->toArray());
    $this->assertSame('0', Money::of('0', 'EUR')->number());
    $this->assertSame('0.000001', Money::of('0.000001', 'EUR')->number());
    $this->assertSame('999999999999.999999', Money::of('999999999999.999999', 'EUR')->number());
    $this->assertSame('5', Money::of('005', 'EUR')->number());
  }

  public function testArithmeticIsExact(): void {
    $a = Money::of('0.10', 'USD');
    $b = Money::of('0.20', 'USD');
    $this->assertSame('0.30', $a->add($b)->number());
    $this->assertSame(0, $a->add($b)->compare(Money::of('0.3', 'USD')));
    $this->assertSame('-0.10', $a->subtract($b)->number());
    $this->assertSame('39.98', Money::of('39.98', 'USD')->subtract(Money::of('0', 'USD'))->number());
    $this->assertSame('15.500', Money::of('10.5', 'USD')->add(Money::of('5.000', 'USD'))->number());
    $this->assertSame('1999999999999.999998', Money::of('999999999999.999999', 'USD')->add(Money::of('999999999999.999999', 'USD'))->number());
  }

  public function testCanonical(): void {
    $this->assertSame('15.5', Money::of('15.50', 'USD')->canonical());
    $this->assertSame('15', Money::of('15.00', 'USD')->canonical());
    $this->assertSame('0', Money::of('0.000', 'USD')->canonical());
    $this->assertSame('1.000001', Money::of('1.000001', 'USD')->canonical());
  }

  public function testCompareAndEquals(): void {
    $this->assertSame(1, Money::of('10.01', 'USD')->compare(Money::of('10', 'USD')));
    $this->assertSame(-1, Money::of('9.999999', 'USD')->compare(Money::of('10', 'USD')));
    $this->assertTrue(Money::of('10.0', 'USD')->equals(Money::of('10.000', 'USD')));
    $this->assertFalse(Money::of('10', 'USD')->equals(Money::of('10', 'EUR')));
    $this->assertTrue(Money::of('0.01', 'USD')->isPositive());
    $this->assertTrue(Money::of('-0.01', 'USD')->isNegative());
    $this->assertTrue(Money::zero('USD', 2)->isZero());
    $this->assertSame('0.00', Money::zero('USD', 2)->number());
  }

  public function testCurrencyMismatchIsRefused(): void {
    $this->expectException(\InvalidArgumentException::class);
    $this->expectExceptionMessage('currency mismatch: USD and EUR');
    Money::of('1', 'USD')->add(Money::of('1', 'EUR'));
  }

  /**
   * @dataProvider badInputs
   */
  public function testBadInputsAreRefused(string $number, string $currency, string $message): void {
    $this->expectException(\InvalidArgumentException::class);
    $this->expectExceptionMessage($message);
    Money::of($number, $currency);
  }

  public static function badInputs(): array {
    return [
      'exponent' => ['1e3', 'USD', 'is not a decimal string'],
      'comma' => ['1,50', 'USD', 'is not a decimal string'],
      'empty' => ['', 'USD', 'is not a decimal string'],
      'dot only' => ['.5', 'USD', 'is not a decimal string'],
      'trailing dot' => ['5.', 'USD', 'is not a decimal string'],
      'plus sign' => ['+5', 'USD', 'is not a decimal string'],
      'spaces' => [' 5', 'USD', 'is not a decimal string'],
      'seven decimals' => ['1.0000001', 'USD', 'more than 6 decimals'],
      'thirteen digits' => ['1000000000000', 'USD', 'more than 12 integer digits'],
      'lower currency' => ['1', 'usd', 'three-letter ISO 4217'],
      'long currency' => ['1', 'USDT', 'three-letter ISO 4217'],
    ];
  }

  /**
   * [number, scale] => rounded (half up, away from zero).
   */
  public static function roundings(): array {
    return [
      'below half' => ['1.444999', 2, '1.44'],
      'half up' => ['1.445', 2, '1.45'],
      'exact' => ['1.45', 2, '1.45'],
      'more scale than needed' => ['1.4', 2, '1.40'],
      'negative half away from zero' => ['-1.445', 2, '-1.45'],
      'carry into the integer' => ['9.995', 2, '10.00'],
      'no decimals (JPY)' => ['1234.5', 0, '1235'],
      'three decimals (KWD)' => ['0.0005', 3, '0.001'],
      'zero' => ['0.004', 2, '0.00'],
      'negative to zero' => ['-0.004', 2, '0.00'],
      'six decimals unchanged' => ['0.000001', 6, '0.000001'],
    ];
  }

  /**
   * @dataProvider roundings
   */
  public function testRound(string $number, int $scale, string $expected): void {
    $this->assertSame($expected, Money::of($number, 'USD')->round($scale)->number());
  }

  public function testTrailingZerosBeyondSixDecimalsAreAccepted(): void {
    $this->assertSame('1.000000', Money::of('1.0000000', 'USD')->number());
  }

}
