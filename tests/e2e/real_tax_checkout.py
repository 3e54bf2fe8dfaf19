#!/usr/bin/env python3
"""A customer's checkout on a real Drupal Commerce site whose tax comes from seam.

Run by test_drupal_real (test_tax_against_real_drupal); not useful alone. It sets the site up
as docs/bridge.md "Tax: Setup" says, with drush (SEAM_DRUPAL_DRUSH: the command that runs
drush for the site, for example "/tmp/rd-site/vendor/bin/drush -r /tmp/rd-site/docroot"):
commerce_tax enabled and the module's updates run, a "seam tax" tax type, the bridge's base URL
and store map pointing at the seam under test, the API key in settings.php, and the
permission "view any customer profile" for seam's role (SEAM_DRUPAL_ROLE, seam_integration),
so that seam can read the billing address when it commits the invoice. Then a customer
logs in, adds a product to the cart and walks Commerce's checkout by posting the real forms
(with their form_build_id and tokens, as a browser without JavaScript does): order
information with a California billing address, review (where the tax shows), "Pay and
complete purchase". `restore` puts the site's settings back, disables the tax type, revokes a
permission granted here and takes the key line out of settings.php.

Environment: SEAM_DRUPAL_URL, SEAM_DRUPAL_DRUSH, SEAM_URL (the seam under test), SEAM_TAX_KEY
(a key with scope tax:quote), SEAM_STORE (the seam store of the site's default store),
SEAM_DRUPAL_BUYER / SEAM_DRUPAL_BUYER_PASS (buyer / buyer), SEAM_DRUPAL_PRODUCT (1).

`run` sets up and checks out, and prints one JSON line: {"order_id", "url", "summary":
[[label, amount], ...], "messages"}; it leaves the site set up (seam still has to read the
order to commit its invoice) unless a step failed. `restore` puts the site back as it was
(SEAM_E2E_STATE: the file run saved the settings in). Exits 1 with the reason on stderr when a
step fails.
"""
import html
import http.cookiejar
import json
import os
import re
import shlex
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from html.parser import HTMLParser

BASE = os.environ['SEAM_DRUPAL_URL'].rstrip('/')
DRUSH = shlex.split(os.environ['SEAM_DRUPAL_DRUSH'])
MARK = '// seam e2e tax key'
KEY_NAME = 'seam_bridge_api_key_e2e'
ADDR = 'payment_information[billing_information][address][0][address][%s]'


def fail(msg):
    sys.stderr.write('real_tax_checkout: %s\n' % msg)
    sys.exit(1)


def drush(*args, stdin=None):
    r = subprocess.run(DRUSH + list(args), input=stdin, capture_output=True, text=True)
    if r.returncode != 0:
        fail('drush %s: %s' % (' '.join(args[:2]), (r.stderr or r.stdout).strip()[-600:]))
    return r.stdout


def php(code, **env):
    """drush php:eval with values passed in the environment (no quoting into PHP source)."""
    r = subprocess.run(DRUSH + ['php:eval', code], capture_output=True, text=True,
                       env=dict(os.environ, **env))
    if r.returncode != 0:
        fail('drush php:eval: %s' % (r.stderr or r.stdout).strip()[-600:])
    return r.stdout


class Forms(HTMLParser):
    """The forms of a page: id, action, the values a browser would send, the submit buttons."""

    def __init__(self):
        super().__init__()
        self.forms, self.cur, self.sel, self.ta = [], None, None, None

    def handle_starttag(self, tag, a):
        a = dict(a)
        if tag == 'form':
            self.cur = {'id': a.get('id') or '', 'action': a.get('action'), 'fields': [],
                        'buttons': []}
            self.forms.append(self.cur)
        elif self.cur is None:
            return
        elif tag == 'input':
            t = a.get('type', 'text')
            if t == 'submit':
                self.cur['buttons'].append((a.get('name'), a.get('value')))
            elif t in ('checkbox', 'radio'):
                if 'checked' in a:
                    self.cur['fields'].append((a.get('name'), a.get('value', 'on')))
            elif a.get('name'):
                self.cur['fields'].append((a.get('name'), a.get('value', '')))
        elif tag == 'select':
            self.sel = [a.get('name'), None]
        elif tag == 'option' and self.sel is not None:
            if 'selected' in a or self.sel[1] is None:
                self.sel[1] = a.get('value', '')
        elif tag == 'textarea':
            self.ta = [a.get('name'), '']

    def handle_data(self, data):
        if self.ta is not None:
            self.ta[1] += data

    def handle_endtag(self, tag):
        if tag == 'select' and self.sel is not None:
            if self.cur is not None:
                self.cur['fields'].append(tuple(self.sel))
            self.sel = None
        elif tag == 'textarea' and self.ta is not None:
            if self.cur is not None:
                self.cur['fields'].append(tuple(self.ta))
            self.ta = None
        elif tag == 'form':
            self.cur = None


def form(text, prefix):
    p = Forms()
    p.feed(text)
    for f in p.forms:
        if f['id'].startswith(prefix):
            return f
    fail('no form %s on the page (messages: %s)' % (prefix, messages(text)))


def messages(text):
    out = []
    for m in re.finditer(r'<div[^>]*(?:role="(?:alert|contentinfo)"|class="[^"]*messages[^"]*")'
                         r'[^>]*>(.*?)</div>', text, re.S):
        t = html.unescape(re.sub(r'\s+', ' ', re.sub(r'<[^>]+>', ' ', m.group(1)))).strip()
        if t and t not in out:
            out.append(t)
    return out


def summary(text):
    """The order total summary as the customer reads it: [label, amount] pairs."""
    rows = re.findall(r'order-total-line-label">\s*(.*?)\s*</span>\s*'
                      r'<span class="order-total-line-value">\s*(.*?)\s*</span>', text, re.S)
    return [[html.unescape(re.sub(r'<[^>]+>', '', a)).strip(), html.unescape(b).strip()]
            for a, b in rows]


class Browser:
    def __init__(self):
        self.op = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def get(self, path):
        with self.op.open(BASE + path, timeout=60) as r:
            return r.geturl(), r.read().decode('utf-8', 'replace')

    def submit(self, path, prefix, values=None, button=None, page=None):
        url, text = page if page else self.get(path)
        f = form(text, prefix)
        values = values or {}
        data = [(k, v) for k, v in f['fields'] if k and k not in values]
        data += list(values.items())
        if button:
            data.append(button)
        action = f['action'] if f['action'] and f['action'].startswith('/') else \
            urllib.parse.urlparse(url).path
        body = urllib.parse.urlencode(data).encode()
        with self.op.open(BASE + action, data=body, timeout=60) as r:
            return r.geturl(), r.read().decode('utf-8', 'replace')


SETUP = r'''
$cf = \Drupal::configFactory()->getEditable("seam_bridge.settings");
file_put_contents(getenv("E2E_SAVE"), json_encode($cf->getRawData()));
$store = \Drupal::entityTypeManager()->getStorage("commerce_store")->loadDefault();
$tax = (array) $cf->get("tax");
$tax["key_source"] = "settings";
$tax["key_name"] = getenv("E2E_KEY_NAME");
$tax["fallback"] = "block";
$cf->set("base_url", getenv("E2E_SEAM_URL"))
   ->set("stores", [["store_uuid" => $store->uuid(), "seam_store" => getenv("E2E_STORE")]])
   ->set("tax", $tax)->save();
$types = \Drupal::entityTypeManager()->getStorage("commerce_tax_type");
$t = $types->load("seam_e2e") ?: $types->create(["id" => "seam_e2e", "label" => "seam tax (e2e)",
  "plugin" => "seam", "configuration" => ["display_inclusive" => FALSE]]);
$t->setStatus(TRUE)->save();
// seam reads the order's billing address to commit its invoice (docs/bridge.md, Tax: Setup)
$role = \Drupal\user\Entity\Role::load(getenv("E2E_ROLE"));
if ($role && !$role->hasPermission("view any customer profile")) {
  file_put_contents(getenv("E2E_SAVE") . ".perm", "1");
  $role->grantPermission("view any customer profile")->save();
}
$path = DRUPAL_ROOT . "/" . \Drupal::getContainer()->getParameter("site.path") . "/settings.php";
$lines = array_filter(file($path), fn($l) => strpos($l, getenv("E2E_MARK")) === FALSE);
$lines[] = "\$settings['" . getenv("E2E_KEY_NAME") . "'] = '" . getenv("E2E_KEY") . "'; "
  . getenv("E2E_MARK") . "\n";
file_put_contents($path, implode("", $lines));
print $path;
'''

RESTORE = r'''
$saved = json_decode(file_get_contents(getenv("E2E_SAVE")), TRUE);
if (is_array($saved)) {
  \Drupal::configFactory()->getEditable("seam_bridge.settings")->setData($saved)->save();
}
$t = \Drupal::entityTypeManager()->getStorage("commerce_tax_type")->load("seam_e2e");
if ($t) { $t->setStatus(FALSE)->save(); }
if (file_exists(getenv("E2E_SAVE") . ".perm")) {
  \Drupal\user\Entity\Role::load(getenv("E2E_ROLE"))->revokePermission("view any customer profile")->save();
  unlink(getenv("E2E_SAVE") . ".perm");
}
$path = DRUPAL_ROOT . "/" . \Drupal::getContainer()->getParameter("site.path") . "/settings.php";
$lines = array_filter(file($path), fn($l) => strpos($l, getenv("E2E_MARK")) === FALSE);
file_put_contents($path, implode("", $lines));
'''


def checkout():
    b = Browser()
    url, text = b.get('/user/login')
    url, text = b.submit('/user/login', 'user-login-form',
                         {'name': os.environ.get('SEAM_DRUPAL_BUYER', 'buyer'),
                          'pass': os.environ.get('SEAM_DRUPAL_BUYER_PASS', 'buyer'),
                          'op': 'Log in'}, page=(url, text))
    if 'check_logged_in' not in url:
        fail('the buyer could not log in: %s' % messages(text))
    product = '/product/%s' % os.environ.get('SEAM_DRUPAL_PRODUCT', '1')
    page = b.get(product)
    f = form(page[1], 'commerce-order-item-add-to-cart-form')
    add = [x for x in f['buttons'] if x[1] == 'Add to cart']
    if not add:
        fail('no "Add to cart" on %s' % product)
    b.submit(product, f['id'], {'quantity[0][value]': '1'}, add[0], page=page)
    url, text = b.submit('/cart', 'views-form-commerce-cart-form', button=('op', 'Checkout'))
    m = re.search(r'/checkout/(\d+)/', url)
    if not m:
        fail('Checkout did not open a checkout page: %s %s' % (url, messages(text)))
    order = int(m.group(1))
    info = '/checkout/%d/order_information' % order
    page = b.get(info)
    f = form(page[1], 'commerce-checkout-flow')
    if any(x[0] == 'billing_edit' for x in f['buttons']):  # a stored address: edit it (no JS)
        page = b.submit(info, 'commerce-checkout-flow', button=('billing_edit', 'Edit'), page=page)
    addr = {ADDR % 'given_name': 'Bea', ADDR % 'family_name': 'Buyer',
            ADDR % 'address_line1': '1 Market St', ADDR % 'locality': 'San Francisco',
            ADDR % 'administrative_area': 'CA', ADDR % 'postal_code': '94105',
            ADDR % 'country_code': 'US', 'payment_information[payment_method]': 'manual'}
    url, text = b.submit(info, 'commerce-checkout-flow', addr, ('op', 'Continue to review'),
                         page=page)
    if '/review' not in url:
        fail('order information did not lead to review: %s %s' % (url, messages(text)))
    review = summary(text)
    url, text = b.submit(urllib.parse.urlparse(url).path, 'commerce-checkout-flow',
                         button=('op', 'Pay and complete purchase'), page=(url, text))
    if '/complete' not in url:
        fail('the order was not completed: %s %s' % (url, messages(text)))
    return {'order_id': order, 'url': url.replace(BASE, ''), 'summary': review,
            'messages': messages(text)}


def main():
    cmd = sys.argv[1] if len(sys.argv) > 1 else ''
    if cmd not in ('run', 'restore'):
        fail('usage: real_tax_checkout.py run|restore')
    save = os.environ.get('SEAM_E2E_STATE')
    if not save:
        fail('SEAM_E2E_STATE (a file for the settings to put back) is not set')
    env = {'E2E_SAVE': save, 'E2E_SEAM_URL': os.environ.get('SEAM_URL', ''),
           'E2E_STORE': os.environ.get('SEAM_STORE', ''), 'E2E_KEY': os.environ.get('SEAM_TAX_KEY', ''),
           'E2E_KEY_NAME': KEY_NAME, 'E2E_MARK': MARK,
           'E2E_ROLE': os.environ.get('SEAM_DRUPAL_ROLE', 'seam_integration')}
    if cmd == 'restore':
        if os.path.exists(save):
            php(RESTORE, **env)
            os.unlink(save)
        return
    for k in ('SEAM_URL', 'SEAM_TAX_KEY', 'SEAM_STORE'):
        if not os.environ.get(k):
            fail('%s is not set' % k)
    drush('en', 'commerce_tax', '-y')
    drush('updb', '-y')
    ok = False
    try:
        php(SETUP, **env)
        time.sleep(2.5)  # php -S's opcache revalidates settings.php every 2 s
        print(json.dumps(checkout()))
        ok = True
    finally:
        if not ok and os.path.exists(save):  # else the test restores once seam has read the order
            php(RESTORE, **env)
            os.unlink(save)


if __name__ == '__main__':
    main()
