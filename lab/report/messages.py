"""Every sentence the report shows, in English and Japanese (the course material is Japanese).

Reasons are templates filled from the facts an expectation was derived from ({engine}, {kernel},
...); {containers} is the list of containers a reason applies to.
"""

# A message catalogue: sentences stay on one line each, and Japanese text uses full-width
# punctuation on purpose.
# ruff: noqa: E501, RUF001

from __future__ import annotations

LANGUAGES = ("en", "ja")

REASONS: dict[str, dict[str, str]] = {
    "en": {
        "mnt.own": "Docker always gives a container its own mount namespace: its image is its root file system.",
        "uts.own": "Docker creates a UTS namespace per container, so each has its own hostname.",
        "uts.host": "Started with {flag}: the container uses the host's UTS namespace and hostname.",
        "net.own": "Docker creates a network namespace per container (own interfaces, addresses, ports).",
        "net.host": "Started with {flag}: the container uses the host's network namespace.",
        "net.container": "Started with {flag}: the container joins the first container's network namespace.",
        "ipc.own": "Docker's default IPC mode is private: a new IPC namespace per container.",
        "ipc.shareable": "Started with {flag}: an IPC namespace of its own that other containers may join.",
        "ipc.container": "Started with {flag}: the container joins the first container's IPC namespace.",
        "ipc.host": "Started with {flag}: the container uses the host's IPC namespace.",
        "pid.own": "Docker creates a PID namespace per container: its command is PID 1 inside.",
        "pid.host": "Started with {flag}: the container uses the host's PID namespace and sees all host processes.",
        "pid.container": "Started with {flag}: the container joins the first container's PID namespace.",
        "cgroup.requested_host": "Started with {flag}: the container stays in the host's cgroup namespace.",
        "cgroup.requested_private": "Started with {flag}: the container gets its own cgroup namespace.",
        "cgroup.engine_old": "Docker {engine} predates cgroup namespaces (Engine 20.10): containers stay in the host's.",
        "cgroup.engine_configured": "The engine reports cgroupns mode {mode} for this container (its configured default-cgroupns-mode), not the usual default for cgroup v{cgroup_version}.",
        "cgroup.default_v1": "This host uses cgroup v1, where Docker {engine} defaults to --cgroupns=host: containers stay in the host's cgroup namespace.",
        "cgroup.default_v2": "This host uses cgroup v2, where Docker {engine} defaults to --cgroupns=private: a cgroup namespace per container.",
        "cgroup.default_host": "Docker {engine} defaults to --cgroupns=host here.",
        "cgroup.default_private": "Docker {engine} defaults to --cgroupns=private here.",
        "user.no_remap": "userns-remap is off and the engine is not rootless (security options: {security_options}): Docker creates no user namespace, so containers stay in the host's initial one and root inside is root outside.",
        "user.remap": "userns-remap is on (security options: {security_options}): Docker makes a new user namespace for each container, so their user entries differ from each other and from the host's. Into every one it writes the same mapping, the remap user's range from /etc/subuid (root inside is an unprivileged UID outside), so every remapped container's /proc/self/uid_map reads the same: a mapping is a setting of a namespace, not its identity, and two separate namespaces can carry the same one.",
        "user.host": "Started with {flag}: the engine remaps users, but this container stays in the host's user namespace (Docker refuses --pid=host and --network=host in a remapped one), so root inside is root outside.",
        "user.joined": "Started with {flag} under userns-remap: to share that namespace, Docker puts the container in the first container's user namespace too.",
        "user.rootless": "Rootless engine (security options: {security_options}): containers share the engine's user namespace, not the host's.",
        "time.engine_old": "Docker {engine} creates no time namespaces (they arrived in Engine 29.5): containers stay in the host's.",
        "time.kernel_old": "Kernel {kernel} offers no time namespaces (they need Linux 5.6+ built with them): containers stay in the host's.",
        "time.feature_off": "Docker {engine} could create time namespaces on kernel {kernel}, but the engine runs with time-namespaces=false ({source}).",
        "time.private": "Docker {engine} (29.5+) on kernel {kernel} (5.6+) with the time-namespaces feature on: a time namespace per container.",
        "none": "nslab has no prediction for this namespace type.",
        "unshare.asked": "unshare {flag} asked the kernel for a new {kind} namespace: the same request Docker makes for each container.",
        "unshare.user": "unshare {flag} made a user namespace in which root is the host's root mapped to UID 0 (uid_map 0 0 1). Docker makes none without userns-remap.",
        "unshare.not_asked": "No unshare option asked for a new {kind} namespace, so the process keeps its parent's: the host's.",
    },
    "ja": {
        "mnt.own": "Dockerは常にコンテナごとにmount名前空間を作ります（イメージがそのコンテナのルートファイルシステムになります）。",
        "uts.own": "Dockerはコンテナごとにuts名前空間を作るため、それぞれ独自のホスト名を持ちます。",
        "uts.host": "{flag} で起動したため、このコンテナはホストのuts名前空間とホスト名を使います。",
        "net.own": "Dockerはコンテナごとにnetwork名前空間を作ります（独自のインターフェース・アドレス・ポート）。",
        "net.host": "{flag} で起動したため、このコンテナはホストのnetwork名前空間を使います。",
        "net.container": "{flag} で起動したため、このコンテナは1つ目のコンテナのnetwork名前空間に参加します。",
        "ipc.own": "DockerのIPCモードの既定はprivateで、コンテナごとに新しいipc名前空間を作ります。",
        "ipc.shareable": "{flag} で起動したため、他のコンテナが参加できる独自のipc名前空間を持ちます。",
        "ipc.container": "{flag} で起動したため、このコンテナは1つ目のコンテナのipc名前空間に参加します。",
        "ipc.host": "{flag} で起動したため、このコンテナはホストのipc名前空間を使います。",
        "pid.own": "Dockerはコンテナごとにpid名前空間を作ります。コンテナ内ではそのコマンドがPID 1になります。",
        "pid.host": "{flag} で起動したため、このコンテナはホストのpid名前空間を使い、ホストの全プロセスが見えます。",
        "pid.container": "{flag} で起動したため、このコンテナは1つ目のコンテナのpid名前空間に参加します。",
        "cgroup.requested_host": "{flag} で起動したため、このコンテナはホストのcgroup名前空間に留まります。",
        "cgroup.requested_private": "{flag} で起動したため、このコンテナは独自のcgroup名前空間を持ちます。",
        "cgroup.engine_old": "Docker {engine} はcgroup名前空間に対応する前の版（Engine 20.10で導入）のため、コンテナはホストのcgroup名前空間に留まります。",
        "cgroup.engine_configured": "エンジンはこのコンテナのcgroupnsモードを {mode} と報告しています（default-cgroupns-modeの設定）。cgroup v{cgroup_version} の通常の既定とは異なります。",
        "cgroup.default_v1": "このホストはcgroup v1で、Docker {engine} の既定は --cgroupns=host です。コンテナはホストのcgroup名前空間に留まります。",
        "cgroup.default_v2": "このホストはcgroup v2で、Docker {engine} の既定は --cgroupns=private です。コンテナごとにcgroup名前空間を作ります。",
        "cgroup.default_host": "ここではDocker {engine} の既定は --cgroupns=host です。",
        "cgroup.default_private": "ここではDocker {engine} の既定は --cgroupns=private です。",
        "user.no_remap": "userns-remapが無効で、rootlessモードでもありません（セキュリティオプション: {security_options}）。Dockerはuser名前空間を作らないため、コンテナはホストの初期user名前空間に留まり、コンテナ内のrootはホストのrootと同じです。",
        "user.remap": "userns-remapが有効です（セキュリティオプション: {security_options}）。Dockerはコンテナごとに新しいuser名前空間を作るため、userの番号はコンテナ同士でもホストとも異なります。その1つ1つに同じ対応表（/etc/subuidにあるremap用ユーザーのUID範囲。コンテナ内のrootはホストの非特権UID）を書き込むので、remapされたコンテナの /proc/self/uid_map はどれも同じ内容になります。対応表は名前空間の設定であって名前空間そのものの識別子ではないため、別々の名前空間が同じ対応表を持てます。",
        "user.host": "{flag} で起動しました。エンジンはユーザーをremapしていますが、このコンテナはホストのuser名前空間に留まるため（remapされたuser名前空間では --pid=host と --network=host をDockerが拒否します）、コンテナ内のrootはホストのrootと同じです。",
        "user.joined": "userns-remapの下で {flag} で起動しました。その名前空間を共有するため、Dockerはこのコンテナを1つ目のコンテナのuser名前空間にも入れます。",
        "user.rootless": "rootlessモードのエンジンです（セキュリティオプション: {security_options}）。コンテナはホストではなくエンジンのuser名前空間を共有します。",
        "time.engine_old": "Docker {engine} はtime名前空間を作りません（Engine 29.5で導入）。コンテナはホストのtime名前空間に留まります。",
        "time.kernel_old": "カーネル {kernel} はtime名前空間を提供しません（Linux 5.6以降かつ有効化されたビルドが必要）。コンテナはホストのtime名前空間に留まります。",
        "time.feature_off": "Docker {engine} はカーネル {kernel} 上でtime名前空間を作れますが、エンジンが time-namespaces=false で動いています（{source}）。",
        "time.private": "Docker {engine}（29.5以降）、カーネル {kernel}（5.6以降）、time-namespaces機能が有効なため、コンテナごとにtime名前空間を作ります。",
        "none": "nslabはこの名前空間の種類について予測を持ちません。",
        "unshare.asked": "unshare {flag} でカーネルに新しい{kind}名前空間を頼みました。Dockerがコンテナごとに行うのと同じ要求です。",
        "unshare.user": "unshare {flag} でuser名前空間を作りました。その中のrootはホストのrootをUID 0に対応づけたものです（uid_map 0 0 1）。Dockerはuserns-remapなしではこれを作りません。",
        "unshare.not_asked": "新しい{kind}名前空間を頼むunshareのオプションがないため、このプロセスは親（ホスト）の名前空間に留まります。",
    },
}

# Evidence check labels: "<namespace>.<probe>" and the pair/container it compares.
CHECKS: dict[str, dict[str, str]] = {
    "en": {
        "uts.hostname": "hostname",
        "net.interfaces": "main network interface (name and MAC address)",
        "mnt.root_mount": "what is mounted on /",
        "user.uid_map": "/proc/self/uid_map",
        "pid.pid1": "PID 1 as seen inside {role}",
        "ipc.object_visible": "IPC object made in container1, looked for in container2",
        "cgroup.paths": "/proc/self/cgroup paths in {role}",
        "between": "container1 vs container2",
        "container1_host": "container1 vs host",
        "container2_host": "container2 vs host",
        "mnt.proc_mount": "the /proc each one sees (mount ID: type, source, options)",
        "net.loopback_only": "network interfaces seen inside {role}",
        "cgroup.self_cgroup": "/proc/self/cgroup",
    },
    "ja": {
        "uts.hostname": "ホスト名",
        "net.interfaces": "主なネットワークインターフェース（名前とMACアドレス）",
        "mnt.root_mount": "/ にマウントされているもの",
        "user.uid_map": "/proc/self/uid_map",
        "pid.pid1": "{role} の中から見たPID 1",
        "ipc.object_visible": "container1で作ったIPCオブジェクトをcontainer2で探す",
        "cgroup.paths": "{role} の /proc/self/cgroup のパス",
        "between": "container1 と container2",
        "container1_host": "container1 とホスト",
        "container2_host": "container2 とホスト",
        "mnt.proc_mount": "それぞれが見る /proc（マウントID: 種類・ソース・オプション）",
        "net.loopback_only": "{role} の中から見たネットワークインターフェース",
        "cgroup.self_cgroup": "/proc/self/cgroup",
    },
}

OUTCOMES: dict[str, dict[str, str]] = {
    "en": {
        "same": "same",
        "different": "different",
        "visible": "visible",
        "invisible": "invisible",
        "not_created": "not created",
        "root": "/ (own root)",
        "host_path": "host path",
        "own_command": "own command (sleep infinity)",
        "host_init": "host's PID 1",
        "other": "something else",
        "loopback_only": "loopback (lo) only",
        "host_interfaces": "the host's interfaces",
    },
    "ja": {
        "same": "同じ",
        "different": "異なる",
        "visible": "見える",
        "invisible": "見えない",
        "not_created": "作成できず",
        "root": "/（独自のルート）",
        "host_path": "ホストのパス",
        "own_command": "自分のコマンド（sleep infinity）",
        "host_init": "ホストのPID 1",
        "other": "その他",
        "loopback_only": "ループバック（lo）だけ",
        "host_interfaces": "ホストのインターフェース",
    },
}

# The raw values of a behavioural check are keyed by where they were read.
DETAIL_KEYS: dict[str, dict[str, str]] = {
    "en": {"host": "host", "container_id": "container ID"},
    "ja": {"host": "ホスト", "container_id": "コンテナID"},
}

# What each scenario changes, as a student reads it; the identifier (`--scenario NAME`) follows.
SCENARIOS: dict[str, dict[str, str]] = {
    "en": {
        "baseline": "the course note's experiment (both containers with Docker's defaults)",
        "pid-host": "container2 started with --pid=host",
        "net-host": "container2 started with --network=host",
        "net-container": "container2 joins container1's network (--network container:…)",
        "ipc-container": "container2 joins container1's IPC namespace (--ipc container:…)",
        "uts-host": "container2 started with --uts=host",
        "cgroupns-host": "both containers started with --cgroupns=host",
        "cgroupns-private": "both containers started with --cgroupns=private",
        "unshare": "no Docker: two processes started with util-linux unshare (new ipc, mnt, net, pid, uts namespaces)",
        "unshare-user": "no Docker: two processes started with unshare, a user namespace too (--user --map-root-user)",
    },
    "ja": {
        "baseline": "講義ノートの実験（2つのコンテナともDockerの既定値）",
        "pid-host": "container2 を --pid=host で起動",
        "net-host": "container2 を --network=host で起動",
        "net-container": "container2 が container1 のネットワークに参加（--network container:…）",
        "ipc-container": "container2 が container1 のipc名前空間に参加（--ipc container:…）",
        "uts-host": "container2 を --uts=host で起動",
        "cgroupns-host": "2つのコンテナとも --cgroupns=host で起動",
        "cgroupns-private": "2つのコンテナとも --cgroupns=private で起動",
        "unshare": "Dockerなし: util-linuxのunshareで2つのプロセスを起動（新しいipc・mnt・net・pid・uts名前空間）",
        "unshare-user": "Dockerなし: unshareで2つのプロセスを起動し、user名前空間も作る（--user --map-root-user）",
    },
}

UI: dict[str, dict[str, str]] = {
    "en": {
        "title": "nslab: namespaces of two Docker containers",
        "environment": "Environment",
        "containers": "Containers",
        "matrix": "Namespaces",
        "evidence": "Behavioural evidence",
        "conclusion": "Conclusion",
        "scenario": "Scenario",
        "fact": "item",
        "value": "value",
        "env.hostname": "host name",
        "env.os": "operating system",
        "env.kernel": "kernel",
        "env.boot_id": "boot ID",
        "env.docker": "Docker Engine",
        "env.cgroup": "cgroup",
        "env.cgroup_value": "v{version}, driver {driver}",
        "env.userns_remap": "userns-remap",
        "env.rootless": "rootless engine",
        "env.security_options": "security options",
        "env.features": "engine feature flags",
        "env.features_none": "none set",
        "env.features_unknown": "not visible (dockerd cannot be read from here)",
        "env.namespace_types": "namespace types on this kernel",
        "env.image": "image",
        "env.run": "run",
        "env.runtime": "ran with",
        "env.runtime_value": "Python {python}, Docker SDK {sdk}",
        "type": "type",
        "host": "host",
        "isolated": "isolated between containers",
        "shares_host": "shared with host (c1/c2)",
        "expected": "expected",
        "observed": "observed",
        "result": "result",
        "why": "why",
        "check": "check",
        "detail": "detail",
        "yes": "yes",
        "no": "no",
        "ok": "OK",
        "mismatch": "MISMATCH",
        "unknown": "-",
        "name": "name",
        "id": "ID",
        "host_pid": "host PID",
        "pid_inside": "PID inside",
        "state": "state",
        "flags": "docker run flags",
        "none": "(defaults)",
        "all_matched": "Every observation matched its expectation.",
        "mismatches": "{count} mismatch(es): {items}",
        "host_reference_pid1": "The host column shows the namespaces of PID 1, the host's first "
        "process (init): it lives in the host's own namespaces.",
        "host_reference_self": "The host column shows the namespaces of this process (PID {pid}): "
        "PID 1's namespaces cannot be read here.",
        "run": "run",
        "seconds": "{seconds:.1f} s",
        "terminal_run": "nslab experiment: run {run_id}, image {image}, {duration}",
        "terminal_host": "{hostname}: {os}, kernel {kernel}, Docker {engine}, cgroup v{cgroup}",
        "kept": "Containers kept. Remove them with: {command}",
        "diagram_title": "What the two containers share",
        "diagram_text": "One row per namespace type; the number is the namespace's inode, as "
        "`ls -l /proc/PID/ns` shows it. One bar across several columns is one namespace they "
        "share; a box inside a single column is a namespace of its own.",
        "diagram_host": "host",
        "diagram_missing": "not on this kernel",
        "legend_own": "separate (own namespace)",
        "legend_shared": "shared with the host",
        "legend_joined": "shared between the containers",
        "legend_host": "the host's, used by neither container",
        "legend_mismatch": "not what was expected",
        "kept_unshare": "Processes started with unshare kept. Stop them with: {command}",
        "unshare_roles": "process1 and process2 are not containers: they are two ordinary processes (sleep infinity) that util-linux unshare started in new namespaces, with no Docker involved. Their namespaces are read from /proc/PID/ns exactly like the containers' (report.json keeps the roles container1 and container2).",
        "role.container1": "process1",
        "role.container2": "process2",
        "isolated_processes": "isolated between the processes",
        "unshare_flags": "unshare options",
        "docker_same": "Docker asks the kernel for the same namespaces. unshare asked here for {unshare_types}; in the course note's experiment Docker {engine} gives each container its own {docker_types} ({source}). Same kernel, same /proc/PID/ns entries: a container is processes in namespaces like these, plus an image as its root file system, a network device and cgroup limits.",
        "docker_same_observed": "seen in this run",
        "docker_same_predicted": "predicted for this machine",
        "docker_only": "Docker also asks for: {types}.",
        "unshare_only": "unshare also asked for what Docker does not give containers here: {types}.",
    },
    "ja": {
        "title": "nslab: 2つのDockerコンテナの名前空間",
        "environment": "環境",
        "containers": "コンテナ",
        "matrix": "名前空間",
        "evidence": "挙動による確認",
        "conclusion": "結論",
        "scenario": "シナリオ",
        "fact": "項目",
        "value": "値",
        "env.hostname": "ホスト名",
        "env.os": "OS",
        "env.kernel": "カーネル",
        "env.boot_id": "ブートID",
        "env.docker": "Docker Engine",
        "env.cgroup": "cgroup",
        "env.cgroup_value": "v{version}、ドライバ {driver}",
        "env.userns_remap": "userns-remap",
        "env.rootless": "rootlessモードのエンジン",
        "env.security_options": "セキュリティオプション",
        "env.features": "エンジンの機能フラグ",
        "env.features_none": "設定なし",
        "env.features_unknown": "確認できません（ここからdockerdを読めません）",
        "env.namespace_types": "このカーネルの名前空間の種類",
        "env.image": "イメージ",
        "env.run": "実行",
        "env.runtime": "実行環境",
        "env.runtime_value": "Python {python}、Docker SDK {sdk}",
        "type": "種類",
        "host": "ホスト",
        "isolated": "コンテナ間で分離",
        "shares_host": "ホストと共有 (c1/c2)",
        "expected": "予測",
        "observed": "観測",
        "result": "判定",
        "why": "理由",
        "check": "確認内容",
        "detail": "詳細",
        "yes": "はい",
        "no": "いいえ",
        "ok": "一致",
        "mismatch": "不一致",
        "unknown": "-",
        "name": "名前",
        "id": "ID",
        "host_pid": "ホストでのPID",
        "pid_inside": "コンテナ内のPID",
        "state": "状態",
        "flags": "docker run のオプション",
        "none": "（既定）",
        "all_matched": "すべての観測が予測と一致しました。",
        "mismatches": "不一致 {count} 件: {items}",
        "host_reference_pid1": "「ホスト」列は、ホストで最初に起動したプロセス（PID 1、init）の"
        "名前空間です。PID 1はホスト本来の名前空間にいます。",
        "host_reference_self": "「ホスト」列は、この実験のプロセス（PID {pid}）の名前空間です。"
        "ここではPID 1の名前空間を読めないためです。",
        "run": "実行",
        "seconds": "{seconds:.1f} 秒",
        "terminal_run": "nslab 実験: 実行 {run_id}、イメージ {image}、{duration}",
        "terminal_host": "{hostname}: {os}、カーネル {kernel}、Docker {engine}、cgroup v{cgroup}",
        "kept": "コンテナを残しました。削除するには: {command}",
        "diagram_title": "2つのコンテナが共有しているもの",
        "diagram_text": "1行が名前空間の種類1つで、数字は `ls -l /proc/PID/ns` に表示される"
        "名前空間のinode番号です。複数の列にまたがる1本の帯はそれらが共有する1つの名前空間、"
        "1つの列の中だけの箱はその列だけの名前空間です。",
        "diagram_host": "ホスト",
        "diagram_missing": "このカーネルにはありません",
        "legend_own": "分離（独自の名前空間）",
        "legend_shared": "ホストと共有",
        "legend_joined": "コンテナ同士で共有",
        "legend_host": "ホストだけの名前空間（コンテナは使っていない）",
        "legend_mismatch": "予測と異なる",
        "kept_unshare": "unshareで起動したプロセスを残しました。止めるには: {command}",
        "unshare_roles": "プロセス1とプロセス2はコンテナではありません。Dockerを使わず、util-linuxのunshareが新しい名前空間で起動した普通のプロセス（sleep infinity）2つです。名前空間はコンテナと同じく /proc/PID/ns から読んでいます（report.json ではロール名 container1・container2 のままです）。",
        "role.container1": "プロセス1",
        "role.container2": "プロセス2",
        "isolated_processes": "プロセス間で分離",
        "unshare_flags": "unshare のオプション",
        "docker_same": "Dockerもカーネルに同じ名前空間を頼んでいます。ここではunshareが {unshare_types} を頼みました。講義ノートの実験では、Docker {engine} はコンテナごとに {docker_types} を作ります（{source}）。同じカーネル、同じ /proc/PID/ns の項目です。コンテナとは、このような名前空間の中のプロセスに、ルートファイルシステムとしてのイメージ、ネットワークデバイス、cgroupによる制限を加えたものです。",
        "docker_same_observed": "この実行で観測",
        "docker_same_predicted": "このマシンについての予測",
        "docker_only": "Dockerはさらに次も頼みます: {types}。",
        "unshare_only": "unshareは、ここでDockerがコンテナに与えないものも頼みました: {types}。",
    },
}

# The course note's conclusion, corrected. Its facts are the note's own table (Debian 12.11,
# docker-ce of July 2025, cgroup v2), so this paragraph is fixed; the one about this host is not.
NOTE_CORRECTION: dict[str, str] = {
    "en": (
        "The course note concludes that all namespaces of the two containers are separated. "
        "Its own `ls -l /proc/PID/ns` listing shows otherwise: time (4026531834) and user "
        "(4026531837) have the same number in both containers. Those are the host's initial "
        "namespaces, shared by every process that was not given a new one: Docker before "
        "Engine 29.5 creates no time namespace, and without userns-remap or a rootless engine it "
        "creates no user namespace, so root in a container is root on the host. Only cgroup, ipc, "
        "mnt, net, pid and uts were separated. (The note's script also assigns `pid1` twice and "
        "never sets `$pid2`.)"
    ),
    "ja": (
        "講義ノートは「コンテナ同士すべてのnamespaceが分離されている」と結論づけていますが、"
        "講義ノート自身の `ls -l /proc/PID/ns` の結果はそうなっていません。time（4026531834）と"
        "user（4026531837）は両方のコンテナで同じ番号です。これらはホストの初期名前空間で、"
        "新しい名前空間を与えられなかったすべてのプロセスが共有しています。"
        "Docker Engine 29.5より前はtime名前空間を作らず、userns-remapやrootlessモードを使わない限り"
        "user名前空間も作らないため、コンテナ内のrootはホストのrootと同じです。"
        "分離されていたのはcgroup、ipc、mnt、net、pid、utsだけです。"
        "（また、講義ノートのスクリプトは `pid1` に2回代入しており、`$pid2` は設定されません。）"
    ),
}

THIS_HOST: dict[str, dict[str, str]] = {
    "en": {
        "summary": "On this machine ({hostname}: Docker {engine}, cgroup v{cgroup_version}, "
        "kernel {kernel}), the course note's experiment shows:",
        "isolated": "separated between the two containers: {types}",
        "shared": "shared by both containers (with the host): {types}",
        "none": "none",
    },
    "ja": {
        "summary": "このマシン（{hostname}: Docker {engine}、cgroup v{cgroup_version}、カーネル {kernel}）"
        "で講義ノートの実験を行った結果:",
        "isolated": "2つのコンテナ間で分離: {types}",
        "shared": "両方のコンテナで共有（ホストと同じ）: {types}",
        "none": "なし",
    },
}
