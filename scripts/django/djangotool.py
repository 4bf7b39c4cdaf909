#!/usr/bin/python3
"""Real Django artifacts for Tessera's migration tests, made by Django and SimpleJWT themselves.

Run it with Debian's python3 (apt-get install python3-django python3-djangorestframework
python3-djangorestframework-simplejwt python3-jwt; `fixture` also needs python3-argon2 and
python3-bcrypt for the argon2 and bcrypt_sha256 users):

  djangotool.py fixture OUT.sqlite3
      Runs Django's own `migrate` (contenttypes, auth, SimpleJWT's token_blacklist) into a new SQLite
      file and creates users with `create_user`/`create_superuser`, one per password hasher Tessera
      reads, an inactive one, one with an unusable password and a gap in the ids (a deleted user).
      Writes OUT.json beside it: the users, their passwords and the Django version.
      test/fixtures/django-auth.sqlite3 was made with this.

  djangotool.py issue --db DB --secret KEY
      Prints JSON: tokens issued by SimpleJWT for the users of DB (which it writes to: SimpleJWT
      records outstanding refresh tokens), and a CSRF cookie as a Django older than 4.1 wrote it.

  djangotool.py allauth DB
      Adds django-allauth (python3-django-allauth) to the fixture copy DB: runs its own migrations and
      records email addresses with its EmailAddress model (verified or not, primary or not, one
      differing from auth_user.email). Prints JSON: each user's addresses as allauth stored them.

  djangotool.py verify --db DB --secret KEY < [{"token": ..., "type": "access" | "refresh"}, ...]
      Checks each token as a Django + SimpleJWT backend would (JWTAuthentication for access tokens:
      signature, claims, then the user by id and is_active; RefreshToken incl. the blacklist for
      refresh tokens) and prints JSON [{"ok": true, "user_id": ..., "username": ...} | {"ok": false, "error": ...}].
"""
import argparse
import json
import os
import sys
from datetime import datetime, timedelta, timezone

import django
from django.conf import settings

# Users of the fixture: username, password, Django hasher, extra fields. The passwords are public
# test data; the hashers are the ones Tessera must verify (Django's default first).
FIXTURE_USERS = [
    ('admin', 'admin-pass-1234', 'pbkdf2_sha256', {'superuser': True, 'email': 'admin@example.com'}),
    ('alice', 'alice-pass-1234', 'pbkdf2_sha256', {'first_name': 'Alice', 'last_name': 'Liddell', 'email': 'alice@example.com', 'last_login': True}),
    ('ghost', 'ghost-pass-1234', 'pbkdf2_sha256', {'delete': True}),
    ('bob', 'bob-pass-1234', 'pbkdf2_sha1', {'first_name': 'Bob', 'email': 'bob@example.com'}),
    ('carol', 'cärol-pässwörd-1234', 'argon2', {'first_name': 'Carol', 'last_name': 'Ångström', 'is_staff': True}),
    ('dave', 'dave-pass-1234', 'bcrypt_sha256', {'last_name': 'Dave'}),
    ('erin', 'erin-pass-1234', 'pbkdf2_sha256', {'is_active': False}),
    ('frank', None, None, {'email': 'frank@example.com'}),
    ('zoë.müller', 'zoe-pass-1234', 'pbkdf2_sha256', {'first_name': 'Zoë', 'last_login': True}),
]


def configure(db, secret='fixture-secret-key-not-used-for-anything-0123456789', apps=()):
    settings.configure(
        SECRET_KEY=secret,
        USE_TZ=True,
        SITE_ID=1,
        INSTALLED_APPS=[
            'django.contrib.contenttypes',
            'django.contrib.auth',
            'rest_framework',
            'rest_framework_simplejwt.token_blacklist',
            *apps,
        ],
        DATABASES={'default': {'ENGINE': 'django.db.backends.sqlite3', 'NAME': db}},
        DEFAULT_AUTO_FIELD='django.db.models.AutoField',
        PASSWORD_HASHERS=[
            'django.contrib.auth.hashers.PBKDF2PasswordHasher',
            'django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher',
            'django.contrib.auth.hashers.Argon2PasswordHasher',
            'django.contrib.auth.hashers.BCryptSHA256PasswordHasher',
        ],
        SIMPLE_JWT={'ACCESS_TOKEN_LIFETIME': timedelta(minutes=5), 'REFRESH_TOKEN_LIFETIME': timedelta(days=1)},
    )
    django.setup()


def epoch_ms(moment):
    # Whole milliseconds, as Tessera stores times (Django keeps microseconds: they are truncated).
    return (moment - datetime(1970, 1, 1, tzinfo=timezone.utc)) // timedelta(milliseconds=1)


def make_fixture(out):
    if os.path.exists(out):
        os.remove(out)
    configure(out)
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command

    call_command('migrate', verbosity=0)
    User = get_user_model()
    joined = datetime(2021, 3, 4, 5, 6, 7, 123456, tzinfo=timezone.utc)
    described = []
    for n, (username, password, hasher, extra) in enumerate(FIXTURE_USERS):
        fields = {k: v for k, v in extra.items() if k in ('email', 'first_name', 'last_name', 'is_staff', 'is_active')}
        if extra.get('superuser'):
            user = User.objects.create_superuser(username, password=password, **fields)
        else:
            # password=None is Django's set_unusable_password(): '!' and 40 random characters.
            user = User.objects.create_user(username, password=password, **fields)
        if hasher and hasher != 'pbkdf2_sha256':
            user.password = make_password(password, hasher=hasher)
        user.date_joined = joined + timedelta(days=n, seconds=n)
        if extra.get('last_login'):
            user.last_login = joined + timedelta(days=100 + n, microseconds=n)
        user.save()
        if extra.get('delete'):
            user.delete()
            continue
        described.append({
            'id': user.id, 'username': username, 'password': password, 'hasher': hasher or 'unusable',
            'email': user.email, 'first_name': user.first_name, 'last_name': user.last_name,
            'is_active': user.is_active, 'is_staff': user.is_staff, 'is_superuser': user.is_superuser,
            'date_joined_ms': epoch_ms(user.date_joined),
            'last_login_ms': epoch_ms(user.last_login) if user.last_login else None,
            'encoded_prefix': user.password.split('$', 1)[0] if user.password else '',
        })
    from django.db import connection
    connection.cursor().execute('VACUUM')
    connection.close()
    info = {'django': django.get_version(), 'made_by': 'scripts/django/djangotool.py fixture', 'users': described}
    with open(os.path.splitext(out)[0] + '.json', 'w', encoding='utf-8') as f:
        json.dump(info, f, indent=2, ensure_ascii=False)
        f.write('\n')


def issue():
    from django.contrib.auth import get_user_model
    from django.middleware import csrf
    from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

    User = get_user_model()
    alice = User.objects.get(username='alice')
    erin = User.objects.get(username='erin')
    out = {}
    out['access'] = str(AccessToken.for_user(alice))
    # A project whose USER_ID_FIELD is a CharField (or that customises for_user) writes a string.
    token = AccessToken.for_user(alice)
    token['user_id'] = str(alice.id)
    out['access_string_id'] = str(token)
    expired = AccessToken.for_user(alice)
    expired.set_exp(lifetime=-timedelta(minutes=1))
    out['access_expired'] = str(expired)
    out['access_inactive'] = str(AccessToken.for_user(erin))
    # A project that configured a long ACCESS_TOKEN_LIFETIME (or a token minted by hand): a year.
    long_lived = AccessToken.for_user(alice)
    long_lived.set_exp(lifetime=timedelta(days=365))
    out['access_year'] = str(long_lived)
    refresh = RefreshToken.for_user(alice)
    out['refresh'] = str(refresh)
    out['access_from_refresh'] = str(refresh.access_token)
    blacklisted = RefreshToken.for_user(alice)
    blacklisted.blacklist()
    out['refresh_blacklisted'] = str(blacklisted)
    out['access_from_blacklisted'] = str(blacklisted.access_token)
    # Django < 4.1 kept the *masked* 64-character token in the cookie; 4.1+ keeps the 32-character secret.
    masked = csrf._mask_cipher_secret(csrf._get_new_csrf_string())
    out['csrf_legacy_cookie'] = masked
    out['csrf_secret'] = csrf._unmask_cipher_token(masked)
    out['csrf_other_mask'] = csrf._mask_cipher_secret(out['csrf_secret'])
    out['alice_id'] = alice.id
    out['django'] = django.get_version()
    json.dump(out, sys.stdout)


# (username, address, verified, primary): what a django-allauth project holds after some life.
ALLAUTH_ADDRESSES = [
    ('alice', 'alice@example.com', True, True),
    # Confirmed a second address, but the primary one is not confirmed.
    ('bob', 'bob@example.com', False, True),
    ('bob', 'bob@work.example', True, False),
    # auth_user.email is empty; allauth's primary address is the one to keep.
    ('carol', 'carol@example.com', True, True),
    # No primary flag: the row for auth_user.email (compared without case) tells whether it is verified.
    ('frank', 'Frank@Example.com', True, False),
]


def add_allauth(db):
    configure(db, apps=('django.contrib.sites', 'allauth', 'allauth.account'))
    from allauth.account.models import EmailAddress
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    call_command('migrate', verbosity=0)
    User = get_user_model()
    for username, address, verified, primary in ALLAUTH_ADDRESSES:
        EmailAddress.objects.create(user=User.objects.get(username=username), email=address, verified=verified, primary=primary)
    out = {}
    for row in EmailAddress.objects.select_related('user').order_by('id'):
        out.setdefault(row.user.username, []).append({'email': row.email, 'verified': row.verified, 'primary': row.primary})
    import allauth
    json.dump({'allauth': allauth.__version__, 'addresses': out}, sys.stdout)


def verify():
    from rest_framework.exceptions import APIException
    from rest_framework_simplejwt.authentication import JWTAuthentication
    from rest_framework_simplejwt.exceptions import TokenError
    from rest_framework_simplejwt.tokens import RefreshToken

    results = []
    for item in json.load(sys.stdin):
        try:
            if item.get('type', 'access') == 'refresh':
                token = RefreshToken(item['token'])
                results.append({'ok': True, 'user_id': token['user_id'], 'claims': token.payload})
            else:
                auth = JWTAuthentication()
                validated = auth.get_validated_token(item['token'])
                user = auth.get_user(validated)
                results.append({'ok': True, 'user_id': user.id, 'username': user.username, 'claims': validated.payload})
        except (TokenError, APIException) as error:
            detail = getattr(error, 'detail', error)
            if isinstance(detail, dict):
                detail = detail.get('detail', detail)
            results.append({'ok': False, 'error': str(detail)})
    json.dump(results, sys.stdout, ensure_ascii=False)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest='command', required=True)
    sub.add_parser('fixture').add_argument('out')
    sub.add_parser('allauth').add_argument('db')
    for name in ('issue', 'verify'):
        p = sub.add_parser(name)
        p.add_argument('--db', required=True)
        p.add_argument('--secret', required=True)
    args = parser.parse_args()
    if args.command == 'fixture':
        make_fixture(args.out)
        return
    if args.command == 'allauth':
        add_allauth(args.db)
        return
    configure(args.db, args.secret)
    issue() if args.command == 'issue' else verify()


if __name__ == '__main__':
    main()
