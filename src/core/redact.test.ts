// Table of locations and what redactLocation must print for each: every secret hidden, everything else kept.
import { describe, expect, it } from 'vitest';
import { isLibpqConnectionString, redactLocation } from './redact.js';

const CASES: [string, string][] = [
  // URLs with userinfo
  ['postgres://user:s3cret@db.example.com:5432/movies', 'postgres://user:***@db.example.com:5432/movies'],
  ['postgresql://admin:p%40ss@localhost/test', 'postgresql://admin:***@localhost/test'],
  ['postgres://user:p@ss@host/db', 'postgres://user:***@host/db'],
  ['postgres://user:ab/cd@host/db', 'postgres://user:***@host/db'],
  [
    'redshift://u:pw@cluster.abc.eu-west-1.redshift.amazonaws.com:5439/dev',
    'redshift://u:***@cluster.abc.eu-west-1.redshift.amazonaws.com:5439/dev',
  ],
  ['postgres://user@host/db', 'postgres://user@host/db'],
  ['https://ghp_abcdef123@github.com/org/repo.git', 'https://***@github.com/org/repo.git'],
  ['https://example.com:8080/data/movies.zip', 'https://example.com:8080/data/movies.zip'],
  // Secret query parameters
  ['postgres://host/db?user=bob&password=hunter2', 'postgres://host/db?user=bob&password=***'],
  ['postgres://host/db?password=hunter2&sslmode=require', 'postgres://host/db?password=***&sslmode=require'],
  [
    'postgres://host/db?sslpassword=k3y&sslkey=/etc/key.pem',
    'postgres://host/db?sslpassword=***&sslkey=/etc/key.pem',
  ],
  ['https://api.example.com/v1?token=abc123&page=2', 'https://api.example.com/v1?token=***&page=2'],
  ['https://h/x?pwd=1&pass=2&secret=3&key=4', 'https://h/x?pwd=***&pass=***&secret=***&key=***'],
  ['s3://bucket/raw?access_key=AKIA123&secret_key=wJalr', 's3://bucket/raw?access_key=***&secret_key=***'],
  [
    'https://bucket.s3.amazonaws.com/ratings.csv?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIA%2F20260101%2Fus-east-1&X-Amz-Date=20260101T000000Z&X-Amz-Expires=3600&X-Amz-Security-Token=FwoGZX&X-Amz-SignedHeaders=host&X-Amz-Signature=9f86d08',
    'https://bucket.s3.amazonaws.com/ratings.csv?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=***&X-Amz-Date=20260101T000000Z&X-Amz-Expires=3600&X-Amz-Security-Token=***&X-Amz-SignedHeaders=host&X-Amz-Signature=***',
  ],
  [
    'https://acct.blob.core.windows.net/c/f.csv?sv=2022&sig=AbC%3D',
    'https://acct.blob.core.windows.net/c/f.csv?sv=2022&sig=***',
  ],
  ['https://h/p?PASSWORD=Loud#frag', 'https://h/p?PASSWORD=***#frag'],
  // JDBC
  [
    'jdbc:postgresql://db:5432/movies?user=bob&password=hunter2',
    'jdbc:postgresql://db:5432/movies?user=bob&password=***',
  ],
  ['jdbc:mysql://bob:hunter2@db:3306/movies', 'jdbc:mysql://bob:***@db:3306/movies'],
  [
    'jdbc:sqlserver://db:1433;databaseName=movies;user=bob;password=hunter2;encrypt=true',
    'jdbc:sqlserver://db:1433;databaseName=movies;user=bob;password=***;encrypt=true',
  ],
  ['jdbc:sqlserver://db;password={hun;ter2};user=bob', 'jdbc:sqlserver://db;password=***;user=bob'],
  ['jdbc:oracle:thin:scott/tiger@db:1521/ORCL', 'jdbc:oracle:thin:scott/***@db:1521/ORCL'],
  [
    'jdbc:redshift://cluster:5439/dev;UID=bob;PWD=hunter2',
    'jdbc:redshift://cluster:5439/dev;UID=bob;PWD=***',
  ],
  // libpq key=value and ODBC
  [
    'host=db.example.com port=5432 dbname=movies user=bob password=hunter2',
    'host=db.example.com port=5432 dbname=movies user=bob password=***',
  ],
  ["host=db password='two words' dbname=movies", 'host=db password=*** dbname=movies'],
  ["host=db password='it\\'s secret' sslmode=require", 'host=db password=*** sslmode=require'],
  ['host=db password = spaced dbname=x', 'host=db password = *** dbname=x'],
  ['password=first host=db', 'password=*** host=db'],
  ['host=db sslpassword=k3y sslkey=/home/u/key.pem', 'host=db sslpassword=*** sslkey=/home/u/key.pem'],
  [
    'Server=db;Database=movies;User Id=bob;Password=hunter2;',
    'Server=db;Database=movies;User Id=bob;Password=***;',
  ],
  // In a sentence, and things that must stay
  [
    'warehouse postgres://u:pw@h/db: connection refused',
    'warehouse postgres://u:***@h/db: connection refused',
  ],
  ['./data/movalytics.duckdb', './data/movalytics.duckdb'],
  ['/tmp/a=b/warehouse.duckdb', '/tmp/a=b/warehouse.duckdb'],
  ['C:\\data\\movies.duckdb', 'C:\\data\\movies.duckdb'],
  ['s3://bucket/prefix/ratings.csv', 's3://bucket/prefix/ratings.csv'],
  ['', ''],
];

describe('redactLocation', () => {
  it.each(CASES)('%s', (input, expected) => {
    expect(redactLocation(input)).toBe(expected);
  });

  it('leaves no secret from the table in any output', () => {
    const secrets = [
      's3cret',
      'hunter2',
      'ghp_abcdef',
      'AKIA123',
      'wJalr',
      '9f86d08',
      'FwoGZX',
      'tiger',
      'two words',
    ];
    for (const [input] of CASES) {
      const out = redactLocation(input);
      for (const s of secrets) expect(out, input).not.toContain(s);
    }
  });

  it('is idempotent', () => {
    for (const [input, expected] of CASES) expect(redactLocation(expected), input).toBe(expected);
  });
});

describe('isLibpqConnectionString', () => {
  it.each([
    ['host=db password=x', true],
    ['  dbname=movies user=bob', true],
    ['service=prod', true],
    ['./movalytics.duckdb', false],
    ['/tmp/a=b/warehouse.duckdb', false],
    ['weird=name.duckdb', false],
  ])('%s → %s', (input, expected) => {
    expect(isLibpqConnectionString(input)).toBe(expected);
  });
});
