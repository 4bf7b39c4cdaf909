#!/usr/bin/python3
"""Extracts Django's, DRF's and SimpleJWT's own translations of the messages Tessera answers with.

Run with Debian's python3 and its packages (python3-django, python3-djangorestframework,
python3-djangorestframework-simplejwt):

    /usr/bin/python3 scripts/i18n/extract.py [DJ_REST_AUTH_LOCALE_DIR] > src/i18n/catalog.ts

dj-rest-auth is not packaged by Debian: for its messages (password reset, e-mail verification), pass
the `dj_rest_auth/locale` folder of a checkout of https://github.com/iMerica/dj-rest-auth (the table
in the repository was made from commit c0c9c23f37ee67e2d36792428310b850af973f3e). Its catalogues are
compiled with `msgfmt` and consulted after Django's, as an INSTALLED_APPS list that names
dj_rest_auth after django.contrib.auth and rest_framework would.

It asks Django's translation machinery itself (so the catalogues are merged and looked up exactly as
a Django project without LocaleMiddleware would for LANGUAGE_CODE=<lang>), and writes one TypeScript
table: message -> language -> translation. Plural messages also get each language's plural rule.
Placeholders are kept as they are in the source (`{max_length}`, `%(min_length)d`); src/i18n fills them.
"""
import json
import re
import sys

import django
from django.conf import settings

settings.configure(
    USE_I18N=True,
    INSTALLED_APPS=['django.contrib.contenttypes', 'django.contrib.auth', 'rest_framework', 'rest_framework_simplejwt'],
    LANGUAGE_CODE='en-us',
    SECRET_KEY='extract-translations-only',
)
django.setup()

from django.utils import translation  # noqa: E402

LANGUAGES = ['ar', 'cs', 'de', 'es', 'fa', 'fr', 'id', 'it', 'ja', 'ko', 'nl', 'pl', 'pt', 'pt-br', 'ru', 'sv', 'tr', 'uk', 'zh-hans', 'zh-hant']

# Every message Tessera answers with that one of these projects also answers with, as their source
# writes it (DRF's and SimpleJWT's exact msgids; Django's contrib.auth forms and validators).
MESSAGES = [
    # DRF: exceptions, fields, parsers, views
    'Authentication credentials were not provided.',
    'Incorrect authentication credentials.',
    'You do not have permission to perform this action.',
    'Not found.',
    'Method "{method}" not allowed.',
    'Unsupported media type "{media_type}" in request.',
    'Request was throttled.',
    'Expected available in {wait} second.',
    'Expected available in {wait} seconds.',
    'A server error occurred.',
    'Malformed request.',
    'Invalid input.',
    'This field is required.',
    'This field may not be null.',
    'This field may not be blank.',
    'Not a valid string.',
    'Must be a valid boolean.',
    'Ensure this field has no more than {max_length} characters.',
    'Ensure this field has at least {min_length} characters.',
    'Enter a valid email address.',
    'Invalid data. Expected a dictionary, but got {datatype}.',
    'JSON parse error - %s',
    'Multipart form parse error - %s',
    'Invalid value.',
    # SimpleJWT
    'Given token not valid for any token type',
    'Token is invalid or expired',
    'Token is blacklisted',
    'No active account found with the given credentials',
    'User not found',
    'User is inactive',
    'Authorization header must contain two space-delimited values',
    'Token contained no recognizable user identification',
    'Token has no id',
    'Token has no type',
    'Token has wrong type',
    "Token has no '{}' claim",
    "Token '{}' claim has expired",
    'Invalid algorithm specified',
    # Django: contrib.auth forms, validators, models
    'The two password fields didn’t match.',
    'Your old password was entered incorrectly. Please enter it again.',
    'The password is too similar to the %(verbose_name)s.',
    'This password is too common.',
    'This password is entirely numeric.',
    'A user with that username already exists.',
    'Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters.',
    'Ensure this value has at most %(limit_value)d characters (it has %(show_value)d).',
    'username',
    'email address',
    'first name',
    'last name',
    'Enter a valid value.',
    'Enter a whole number.',
]

# dj-rest-auth's messages that Tessera answers with (its views and serializers).
DJ_REST_AUTH_MESSAGES = [
    'Password reset e-mail has been sent.',
    'Password has been reset with the new password.',
    'New password has been saved.',
    'Successfully logged out.',
    'E-mail is not verified.',
    'Invalid value',
    'ok',
    'Verification e-mail sent.',
    'Unable to log in with provided credentials.',
    'User account is disabled.',
    'User is already registered with this e-mail address.',
    "The two password fields didn't match.",
    'Refresh token was not included in cookie data.',
    'An error has occurred.',
]

# (singular, plural) pairs, looked up with ngettext.
PLURALS = [
    ('This password is too short. It must contain at least %(min_length)d character.',
     'This password is too short. It must contain at least %(min_length)d characters.'),
]


def catalog(lang):
    from django.utils.translation import trans_real
    return trans_real.translation(translation.to_locale(lang))


def catalogue_files(lang):
    """The .mo files Django merges for a language, in the order it searches them."""
    import glob
    import os
    locale = translation.to_locale(lang)
    roots = [f'{django.__path__[0]}/conf/locale'] + glob.glob('/usr/lib/python3/dist-packages/*/locale') + glob.glob('/usr/lib/python3/dist-packages/django/contrib/*/locale')
    return [f'{root}/{locale}/LC_MESSAGES/django.mo' for root in roots if os.path.exists(f'{root}/{locale}/LC_MESSAGES/django.mo')]


def plural_rule(lang, msgid):
    """The Plural-Forms expression of the catalogue that holds `msgid` (Django 3.2 applies each catalogue's own rule)."""
    import gettext
    for mo in catalogue_files(lang):
        with open(mo, 'rb') as f:
            trans = gettext.GNUTranslations(f)
        if (msgid, 0) in trans._catalog:
            match = re.search(r'plural=(.+?);?\s*$', trans.info().get('plural-forms', ''))
            return match.group(1).strip() if match else '(n != 1)'
    return None


SAMPLES = [0, 1, 2, 3, 4, 5, 8, 11, 12, 21, 22, 25, 101, 111, 1000, 1001]


def dj_rest_auth_catalogues(directory):
    """Compiles dj-rest-auth's .po files with msgfmt: language -> GNUTranslations."""
    import gettext
    import os
    import subprocess
    import tempfile
    catalogues = {}
    if not directory:
        return catalogues
    for lang in LANGUAGES:
        po = os.path.join(directory, translation.to_locale(lang), 'LC_MESSAGES', 'django.po')
        if not os.path.exists(po):
            continue
        with tempfile.NamedTemporaryFile(suffix='.mo') as mo:
            subprocess.run(['msgfmt', '-o', mo.name, po], check=True)
            with open(mo.name, 'rb') as f:
                catalogues[lang] = gettext.GNUTranslations(f)
    return catalogues


def main():
    table = {}
    for message in MESSAGES:
        entry = {}
        for lang in LANGUAGES:
            with translation.override(lang):
                translated = translation.gettext(message)
            if translated != message:
                entry[lang] = translated
        table[message] = entry
    dj_rest_auth = dj_rest_auth_catalogues(sys.argv[1] if len(sys.argv) > 1 else None)
    for message in DJ_REST_AUTH_MESSAGES:
        entry = table.setdefault(message, {})
        for lang, catalogue in dj_rest_auth.items():
            translated = catalogue.gettext(message)
            if lang not in entry and translated != message:
                entry[lang] = translated
    out = sys.stdout
    out.write("// Generated by scripts/i18n/extract.py from the translation catalogues of Debian's\n")
    out.write(f'// Django {django.get_version()}, Django REST framework and SimpleJWT, and dj-rest-auth\'s. Do not edit: run the script.\n\n')
    out.write(f'export const LANGUAGES = {json.dumps(LANGUAGES)} as const\n\n')
    out.write('/** Message (as the source project writes it) -> language -> translation. */\n')
    out.write(f'export const MESSAGES: Record<string, Partial<Record<string, string>>> = {json.dumps(table, ensure_ascii=False, indent=2)}\n\n')
    out.write('export interface PluralForms {\n  /** The catalogue\'s Plural-Forms rule: n -> index into `forms`. */\n  rule: (n: number) => number\n  forms: string[]\n}\n\n')
    out.write('/** Plural messages: singular msgid -> its plural msgid and, per language, its forms. */\n')
    out.write('export const PLURALS: Record<string, { plural: string; languages: Partial<Record<string, PluralForms>> }> = {\n')
    samples = {}
    for singular, plural in PLURALS:
        out.write(f'  {json.dumps(singular, ensure_ascii=False)}: {{\n    plural: {json.dumps(plural, ensure_ascii=False)},\n    languages: {{\n')
        samples[singular] = {}
        for lang in LANGUAGES:
            rule = plural_rule(lang, singular)
            if rule is None:
                continue
            import gettext
            with translation.override(lang):
                texts = {n: translation.ngettext(singular, plural, n) for n in SAMPLES}
            forms = []
            for mo in catalogue_files(lang):
                with open(mo, 'rb') as f:
                    trans = gettext.GNUTranslations(f)
                if (singular, 0) in trans._catalog:
                    i = 0
                    while (singular, i) in trans._catalog:
                        forms.append(trans._catalog[(singular, i)])
                        i += 1
                    break
            out.write(f'      {json.dumps(lang)}: {{ rule: (n) => Number({rule}), forms: {json.dumps(forms, ensure_ascii=False)} }},\n')
            samples[singular][lang] = [[n, t] for n, t in texts.items()]
        out.write('    },\n  },\n')
    out.write('}\n\n')
    out.write("/** What Django's ngettext answered for a few counts, per plural message and language (checks the rules). */\n")
    out.write(f'export const PLURAL_SAMPLES: Record<string, Record<string, [number, string][]>> = {json.dumps(samples, ensure_ascii=False)}\n')


main()
