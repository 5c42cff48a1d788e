-- The operational source schema on SQLite, exactly as ../shared/source-contract.md gives it.

CREATE TABLE users_customuser (
    id           integer      NOT NULL PRIMARY KEY AUTOINCREMENT,
    password     varchar(128) NOT NULL,          -- Django password hash: never leaves the source
    last_login   datetime     NULL,
    is_superuser bool         NOT NULL,
    username     varchar(150) NOT NULL UNIQUE,
    first_name   varchar(150) NOT NULL,
    last_name    varchar(150) NOT NULL,
    email        varchar(254) NOT NULL,
    is_staff     bool         NOT NULL,
    is_active    bool         NOT NULL,
    date_joined  datetime     NOT NULL,
    role         varchar(10)  NOT NULL,          -- 'admin' | 'staff' | 'user'
    phone_number varchar(20)  NULL,
    updated_at   datetime     NOT NULL
);

CREATE TABLE backend_core_parkingzone (
    id          integer      NOT NULL PRIMARY KEY AUTOINCREMENT,
    name        varchar(100) NOT NULL UNIQUE,
    description text         NOT NULL,
    hourly_rate decimal      NOT NULL,           -- price per started hour
    is_active   bool         NOT NULL,
    created_at  datetime     NOT NULL,
    updated_at  datetime     NOT NULL
);

CREATE TABLE backend_core_parkingslot (
    id          integer     NOT NULL PRIMARY KEY AUTOINCREMENT,
    slot_number varchar(20) NOT NULL,
    slot_type   varchar(20) NOT NULL,            -- 'regular' | 'compact' | 'ev' | 'handicapped' | 'motorcycle'
    is_occupied bool        NOT NULL,            -- live flag, mutable: never the basis of a report
    is_active   bool        NOT NULL,
    created_at  datetime    NOT NULL,
    updated_at  datetime    NOT NULL,
    zone_id     bigint      NOT NULL REFERENCES backend_core_parkingzone (id),
    UNIQUE (zone_id, slot_number)
);

CREATE TABLE backend_core_vehicle (
    id             integer     NOT NULL PRIMARY KEY AUTOINCREMENT,
    vehicle_number varchar(20) NOT NULL UNIQUE,  -- licence plate
    vehicle_type   varchar(20) NOT NULL,         -- 'car' | 'motorcycle' | 'ev' | 'van'
    created_at     datetime    NOT NULL,
    updated_at     datetime    NOT NULL,
    owner_id       bigint      NULL REFERENCES users_customuser (id)  -- NULL: walk-in, no account
);

CREATE TABLE backend_core_parkingsession (
    id         integer     NOT NULL PRIMARY KEY AUTOINCREMENT,
    entry_time datetime    NOT NULL,
    exit_time  datetime    NULL,                 -- NULL while the vehicle is parked
    status     varchar(20) NOT NULL,             -- 'active' | 'completed' | 'cancelled'
    amount     decimal     NULL,                 -- fee charged at exit
    created_at datetime    NOT NULL,
    updated_at datetime    NOT NULL,
    slot_id    bigint      NOT NULL REFERENCES backend_core_parkingslot (id),
    vehicle_id bigint      NOT NULL REFERENCES backend_core_vehicle (id)
);

CREATE TABLE backend_core_payment (
    id             integer      NOT NULL PRIMARY KEY AUTOINCREMENT,
    amount         decimal      NOT NULL,
    payment_method varchar(20)  NOT NULL,        -- 'cash' | 'online'
    status         varchar(20)  NOT NULL,        -- 'pending' | 'completed' | 'failed' | 'refunded'
    transaction_id varchar(100) NULL UNIQUE,
    paid_at        datetime     NULL,            -- set when the payment completed
    created_at     datetime     NOT NULL,
    updated_at     datetime     NOT NULL,
    session_id     bigint       NOT NULL REFERENCES backend_core_parkingsession (id)
);
