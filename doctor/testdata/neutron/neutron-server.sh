#!/usr/bin/env bash
# Runs a throwaway Neutron API server (Debian's neutron-server, OpenStack Zed)
# for doctor's OpenStack test: no Keystone (auth_strategy = noauth, every
# request is admin in project fake_project_id), no agents, no RabbitMQ
# (transport_url = fake://), ML2 with local/flat networks, no mechanism
# drivers and the port_security extension driver, SQLite in DIR.
#
#   doctor/testdata/neutron/neutron-server.sh DIR PORT
#
# Creates DIR/neutron.conf and the schema (from Neutron's models, then
# "neutron-db-manage stamp heads": "upgrade heads" fails on SQLite), then
# execs neutron-server bound to 127.0.0.1:PORT in the foreground, so the
# caller stops it by its pid. Needs: apt-get install neutron-server
# (pulls python3-neutron); run with /usr/bin/python3.
set -euo pipefail
dir=$1
port=$2
mkdir -p "$dir/lock" "$dir/state"
cat >"$dir/neutron.conf" <<EOC
[DEFAULT]
auth_strategy = noauth
api_paste_config = /etc/neutron/api-paste.ini
core_plugin = ml2
service_plugins =
transport_url = fake://
bind_host = 127.0.0.1
bind_port = $port
api_workers = 1
rpc_workers = 0
rpc_state_report_workers = 0
notify_nova_on_port_status_changes = false
notify_nova_on_port_data_changes = false
state_path = $dir/state
use_stderr = true
debug = false

[database]
connection = sqlite:///$dir/neutron.sqlite

[oslo_concurrency]
lock_path = $dir/lock

[ml2]
type_drivers = flat,local
tenant_network_types = local
mechanism_drivers =
extension_drivers = port_security

[securitygroup]
enable_security_group = true
EOC
if [ ! -s "$dir/neutron.sqlite" ]; then
	/usr/bin/python3 - "$dir/neutron.sqlite" <<'EOPY'
import sys
import sqlalchemy as sa
from neutron.db.migration.models import head  # noqa: imports every model
engine = sa.create_engine("sqlite:///" + sys.argv[1])
head.get_metadata().create_all(engine)
EOPY
	neutron-db-manage --config-file "$dir/neutron.conf" stamp heads >"$dir/db-manage.log" 2>&1
fi
exec /usr/bin/python3 /usr/bin/neutron-server --config-file "$dir/neutron.conf" --log-file "$dir/server.log"
