<?php

declare(strict_types=1);

namespace Drupal\seam_bridge\Form;

use Drupal\Core\Config\ConfigFactoryInterface;
use Drupal\Core\Config\TypedConfigManagerInterface;
use Drupal\Core\Entity\EntityTypeManagerInterface;
use Drupal\Core\Form\ConfigFormBase;
use Drupal\Core\Form\FormStateInterface;
use Drupal\seam_bridge\Event\EventSender;
use Drupal\seam_bridge\SecretResolver;
use Drupal\seam_bridge\StoreMap;
use Drupal\seam_bridge\Tax\SeamTaxService;
use Drupal\seam_bridge\TaxPolicy;
use Symfony\Component\DependencyInjection\ContainerInterface;

/**
 * /admin/commerce/config/seam-bridge: seam URL, store map, secret source,
 * tax at checkout.
 *
 * The secret and the API key are never entered here or stored in config:
 * config only says whether each is read from settings.php ($settings[KEY])
 * or from an environment variable, and under which name.
 */
final class SettingsForm extends ConfigFormBase {

  public function __construct(
    ConfigFactoryInterface $config_factory,
    TypedConfigManagerInterface $typed_config_manager,
    private readonly EntityTypeManagerInterface $entityTypeManager,
    private readonly EventSender $sender,
    private readonly SeamTaxService $tax,
  ) {
    parent::__construct($config_factory, $typed_config_manager);
  }

  /**
   * {@inheritdoc}
   */
  public static function create(ContainerInterface $container): static {
    return new static(
      $container->get('config.factory'),
      $container->get('config.typed'),
      $container->get('entity_type.manager'),
      $container->get('seam_bridge.sender'),
      $container->get('seam_bridge.tax'),
    );
  }

  /**
   * {@inheritdoc}
   */
  public function getFormId(): string {
    return 'seam_bridge_settings';
  }

  /**
   * {@inheritdoc}
   */
  protected function getEditableConfigNames(): array {
    return ['seam_bridge.settings'];
  }

  /**
   * {@inheritdoc}
   */
  public function buildForm(array $form, FormStateInterface $form_state): array {
    $config = $this->config('seam_bridge.settings');
    $form['base_url'] = [
      '#type' => 'url',
      '#title' => $this->t('seam base URL'),
      '#description' => $this->t('Events are sent to {base URL}/webhooks/drupal/{seam store}, e.g. https://seam.example.com. Empty: no events are queued.'),
      '#default_value' => $config->get('base_url'),
    ];

    $map = [];
    foreach ((array) $config->get('stores') as $row) {
      $map[$row['store_uuid'] ?? ''] = $row['seam_store'] ?? '';
    }
    $form['stores'] = [
      '#type' => 'details',
      '#title' => $this->t('Store mapping'),
      '#open' => TRUE,
      '#tree' => TRUE,
      '#description' => $this->t('The seam store name for each Drupal store (letters, digits, "_", "-", "."); leave empty to use the default below.'),
    ];
    foreach ($this->entityTypeManager->getStorage('commerce_store')->loadMultiple() as $store) {
      $form['stores'][$store->uuid()] = [
        '#type' => 'textfield',
        '#title' => $this->t('@name (@uuid)', ['@name' => $store->label(), '@uuid' => $store->uuid()]),
        '#default_value' => $map[$store->uuid()] ?? '',
        '#maxlength' => 64,
      ];
    }
    $form['default_store'] = [
      '#type' => 'textfield',
      '#title' => $this->t('Default seam store'),
      '#description' => $this->t('Used for Drupal stores without their own mapping. Empty: events of unmapped stores are not delivered.'),
      '#default_value' => $config->get('default_store'),
      '#maxlength' => 64,
    ];

    $form['secret'] = [
      '#type' => 'details',
      '#title' => $this->t('Signing secret'),
      '#open' => TRUE,
      '#description' => $this->t('Events are signed with Standard Webhooks (HMAC-SHA256) using a whsec_ secret shared with seam. The secret is never stored in configuration: put it in settings.php ($settings[\'seam_bridge_secret\'] = \'whsec_...\';) or in an environment variable of the web server and cron.'),
    ];
    $form['secret']['secret_source'] = [
      '#type' => 'radios',
      '#title' => $this->t('Read the secret from'),
      '#options' => [
        SecretResolver::SOURCE_SETTINGS => $this->t('settings.php ($settings key)'),
        SecretResolver::SOURCE_ENV => $this->t('Environment variable'),
      ],
      '#default_value' => $config->get('secret_source') ?: SecretResolver::SOURCE_SETTINGS,
    ];
    $form['secret']['secret_name'] = [
      '#type' => 'textfield',
      '#title' => $this->t('$settings key or environment variable name'),
      '#description' => $this->t('Default: seam_bridge_secret (settings.php) or SEAM_BRIDGE_SECRET (environment).'),
      '#default_value' => $config->get('secret_name'),
      '#maxlength' => 128,
    ];
    $form['secret']['status'] = [
      '#type' => 'item',
      '#title' => $this->t('Current status'),
      '#markup' => SecretResolver::isUsable($this->sender->secret())
        ? $this->t('A whsec_ secret is set where configured.')
        : $this->t('No usable whsec_ secret is set where configured: events stay queued until it is.'),
    ];

    $tax = (array) ($config->get('tax') ?? []);
    $policy = $this->tax->policy();
    $form['tax'] = [
      '#type' => 'details',
      '#title' => $this->t('Tax at checkout'),
      '#open' => TRUE,
      '#tree' => TRUE,
      '#description' => $this->t('For the tax type "seam tax" (Commerce > Configuration > Tax types): tax per order item from seam (POST {base URL}/v1/tax/quote), for the stores mapped above. The API key (a seam key with scope tax:quote) is never stored in configuration: put it in settings.php ($settings[\'seam_bridge_api_key\'] = \'seam_...\';) or in an environment variable of the web server.'),
    ];
    $form['tax']['key_source'] = [
      '#type' => 'radios',
      '#title' => $this->t('Read the API key from'),
      '#options' => [
        SecretResolver::SOURCE_SETTINGS => $this->t('settings.php ($settings key)'),
        SecretResolver::SOURCE_ENV => $this->t('Environment variable'),
      ],
      '#default_value' => ($tax['key_source'] ?? '') === SecretResolver::SOURCE_ENV ? SecretResolver::SOURCE_ENV : SecretResolver::SOURCE_SETTINGS,
    ];
    $form['tax']['key_name'] = [
      '#type' => 'textfield',
      '#title' => $this->t('$settings key or environment variable name'),
      '#description' => $this->t('Default: seam_bridge_api_key (settings.php) or SEAM_BRIDGE_API_KEY (environment).'),
      '#default_value' => $tax['key_name'] ?? TaxPolicy::KEY_SETTING,
      '#maxlength' => 128,
    ];
    $form['tax']['status'] = [
      '#type' => 'item',
      '#title' => $this->t('Current status'),
      '#markup' => TaxPolicy::isUsableKey($this->tax->apiKey())
        ? $this->t('A seam API key is set in @where.', ['@where' => $this->tax->keyWhere()])
        : $this->t('No usable seam API key in @where: every tax quote fails and the fallback below applies.', ['@where' => $this->tax->keyWhere()]),
    ];
    $form['tax']['timeout'] = [
      '#type' => 'number',
      '#title' => $this->t('Timeout (seconds)'),
      '#description' => $this->t('The whole quote call. seam answers within its own budget (800 ms by default), its estimate included. Default 1.5.'),
      '#default_value' => $policy->timeout,
      '#min' => TaxPolicy::MIN_TIMEOUT,
      '#max' => TaxPolicy::MAX_TIMEOUT,
      '#step' => 0.1,
    ];
    $form['tax']['fallback'] = [
      '#type' => 'radios',
      '#title' => $this->t('When seam does not answer'),
      '#options' => [
        TaxPolicy::FALLBACK_BLOCK => $this->t('Block: the order has no tax and cannot be placed; the customer is told to try again in a few minutes (default)'),
        TaxPolicy::FALLBACK_ZERO => $this->t('Zero with flag: the order goes on without tax, and staff see that its tax is missing'),
      ],
      '#description' => $this->t('"Does not answer": down, unreachable, slower than the timeout, an error, an answer that does not fit the cart, no API key. When seam answers that it has no tax and the store\'s policy in seam is block (503), the order is blocked either way.'),
      '#default_value' => $policy->fallback,
    ];
    $form['tax']['estimate_reuse'] = [
      '#type' => 'number',
      '#title' => $this->t('Keep an estimate for (seconds)'),
      '#description' => $this->t('An answer that is an estimate (seam could not reach the tax engine) serves an unchanged cart this long; then seam is asked again. Other answers serve an unchanged cart until it changes. Default 60.'),
      '#default_value' => $policy->estimateReuse,
      '#min' => 0,
      '#max' => TaxPolicy::MAX_ESTIMATE_REUSE,
    ];
    $form['tax']['tax_code_field'] = [
      '#type' => 'textfield',
      '#title' => $this->t('Tax code field'),
      '#description' => $this->t('Machine name of a field of the product variation (or of its product) holding the tax engine\'s tax code, e.g. field_tax_code. Empty: no tax code is sent and the engine uses its default.'),
      '#default_value' => $tax['tax_code_field'] ?? '',
      '#maxlength' => 64,
    ];
    return parent::buildForm($form, $form_state);
  }

  /**
   * {@inheritdoc}
   */
  public function validateForm(array &$form, FormStateInterface $form_state): void {
    $base = trim((string) $form_state->getValue('base_url'));
    if ($base !== '' && StoreMap::webhookUrl($base, 'x') === NULL) {
      $form_state->setErrorByName('base_url', $this->t('The seam base URL must be an http(s) URL without query or fragment.'));
    }
    foreach ((array) $form_state->getValue('stores') as $uuid => $name) {
      $name = trim((string) $name);
      if ($name !== '' && !StoreMap::isValidName($name)) {
        $form_state->setErrorByName('stores][' . $uuid, $this->t('Invalid seam store name.'));
      }
    }
    $default = trim((string) $form_state->getValue('default_store'));
    if ($default !== '' && !StoreMap::isValidName($default)) {
      $form_state->setErrorByName('default_store', $this->t('Invalid seam store name.'));
    }
    $secretName = trim((string) $form_state->getValue('secret_name'));
    if (str_starts_with($secretName, 'whsec_')) {
      $form_state->setErrorByName('secret_name', $this->t('Enter the name of the setting or variable that holds the secret, not the secret itself.'));
    }
    elseif ($secretName !== '' && !preg_match('/^[A-Za-z_][A-Za-z0-9_]{0,127}$/', $secretName)) {
      $form_state->setErrorByName('secret_name', $this->t('Use letters, digits and underscores.'));
    }
    $keyName = trim((string) $form_state->getValue(['tax', 'key_name']));
    if (str_starts_with($keyName, 'seam_') && TaxPolicy::isUsableKey($keyName)) {
      $form_state->setErrorByName('tax][key_name', $this->t('Enter the name of the setting or variable that holds the API key, not the key itself.'));
    }
    elseif ($keyName !== '' && !preg_match('/^[A-Za-z_][A-Za-z0-9_]{0,127}$/', $keyName)) {
      $form_state->setErrorByName('tax][key_name', $this->t('Use letters, digits and underscores.'));
    }
    $field = trim((string) $form_state->getValue(['tax', 'tax_code_field']));
    if ($field !== '' && !preg_match('/^[a-z0-9_]{1,64}$/', $field)) {
      $form_state->setErrorByName('tax][tax_code_field', $this->t('Enter a field machine name (lower-case letters, digits, underscores).'));
    }
    parent::validateForm($form, $form_state);
  }

  /**
   * {@inheritdoc}
   */
  public function submitForm(array &$form, FormStateInterface $form_state): void {
    $stores = [];
    foreach ((array) $form_state->getValue('stores') as $uuid => $name) {
      if (trim((string) $name) !== '') {
        $stores[] = ['store_uuid' => (string) $uuid, 'seam_store' => trim((string) $name)];
      }
    }
    $source = (string) $form_state->getValue('secret_source');
    $name = trim((string) $form_state->getValue('secret_name'));
    if ($name === '') {
      $name = $source === SecretResolver::SOURCE_ENV ? SecretResolver::DEFAULT_ENV_VAR : SecretResolver::DEFAULT_SETTINGS_KEY;
    }
    $this->config('seam_bridge.settings')
      ->set('base_url', rtrim(trim((string) $form_state->getValue('base_url')), '/'))
      ->set('stores', $stores)
      ->set('default_store', trim((string) $form_state->getValue('default_store')))
      ->set('secret_source', $source)
      ->set('secret_name', $name)
      ->set('tax', self::taxValues((array) $form_state->getValue('tax')))
      ->save();
    parent::submitForm($form, $form_state);
  }

  /**
   * The tax settings as stored (ranges from TaxPolicy, names defaulted).
   *
   * @param array<string, mixed> $values
   *
   * @return array<string, mixed>
   */
  private static function taxValues(array $values): array {
    $source = ($values['key_source'] ?? '') === SecretResolver::SOURCE_ENV ? SecretResolver::SOURCE_ENV : SecretResolver::SOURCE_SETTINGS;
    $name = trim((string) ($values['key_name'] ?? ''));
    if ($name === '') {
      $name = $source === SecretResolver::SOURCE_ENV ? TaxPolicy::KEY_ENV : TaxPolicy::KEY_SETTING;
    }
    $policy = TaxPolicy::fromConfig($values);
    return [
      'key_source' => $source,
      'key_name' => $name,
      'timeout' => $policy->timeout,
      'fallback' => $policy->fallback,
      'estimate_reuse' => $policy->estimateReuse,
      'tax_code_field' => trim((string) ($values['tax_code_field'] ?? '')),
    ];
  }

}
