{#- round_half_up(n, d): n / d rounded half-up to 2 decimals, exactly (integer arithmetic, no
    floating point), as DECIMAL(18,2); 0 when d = 0. n and d must be non-negative and
    integer-valued (scale money to cents, durations to microseconds before calling); BIGINT
    arithmetic covers durations up to 7 years and sums up to 10^14 in money; `wide` computes in
    HUGEINT for larger sums (microseconds of occupied time of a whole operation). -#}
{% macro round_half_up(numerator, denominator, wide=false) -%}
    {%- set int_type = wide_int_type() if wide else 'bigint' -%}
    case
        when ({{ denominator }}) = 0 then cast(0 as decimal(18, 2))
        else cast(
            cast({{ int_div("200 * cast(" ~ numerator ~ " as " ~ int_type ~ ") + (" ~ denominator ~ ")",
                            "2 * cast(" ~ denominator ~ " as " ~ int_type ~ ")") }} as decimal(18, 0)) * 0.01
            as decimal(18, 2))
    end
{%- endmacro %}

{#- Hours between two instants (real elapsed time), rounded half-up to 2 decimals. -#}
{#- (epoch_us difference: exact, and much cheaper than date_diff on TIMESTAMPTZ.) -#}
{% macro hours_between(start_at, end_at) -%}
    {{ round_half_up(epoch_us(end_at) ~ " - " ~ epoch_us(start_at), "3600000000") }}
{%- endmacro %}

{#- Percentage part / whole, rounded half-up to 2 decimals; 0 over a zero whole. -#}
{% macro rate_percent(part, whole, wide=false) -%}
    {{ round_half_up("100 * (" ~ part ~ ")", whole, wide) }}
{%- endmacro %}

{#- Mean of money values (exact DECIMAL sum, integer count), rounded half-up to 2 decimals. -#}
{% macro money_mean(total, count) -%}
    {{ round_half_up("(" ~ total ~ ") * 100", "100 * (" ~ count ~ ")") }}
{%- endmacro %}
