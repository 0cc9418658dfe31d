{{ $t := "{{ tpl .t . }}" }}{{ tpl $t (dict "t" $t) }}
