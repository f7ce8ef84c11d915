# SPDX-License-Identifier: MIT
#
# fish completion for paks.  Installed to
# share/fish/vendor_completions.d/paks.fish by `make install`.  The commands
# and options are those of `paks --help` and `paks COMMAND --help`;
# tests/e2e/test_completions.sh asks fish for each of them, so this file
# cannot drift from the program.

# The words after "paks" that are not options: the command, then its
# arguments (options of `paks run` take a value: skip it too).
function __paks_words
    set -l words (commandline -opc)
    set -e words[1]
    set -l skip 0
    for w in $words
        if test $skip = 1
            set skip 0
            continue
        end
        switch $w
            case --shell --container-tech --mode --set --engine-arg --volume \
                --env --workdir --publish --name --user --network --entrypoint \
                -s -v -e -w -p
                set skip 1
            case '-*'
            case '*'
                echo $w
        end
    end
end

# __paks_at CMD N: the command is CMD and N words follow it.
function __paks_at -a cmd n
    set -l w (__paks_words)
    test (count $w) -ge 1; and test "$w[1]" = $cmd; or return 1
    test -z "$n"; or test (count $w) -eq (math $n + 1)
end

function __paks_no_command
    test (count (__paks_words)) -eq 0
end

function __paks_envs
    set -l dir $HOME/.config/paks/envs
    set -q XDG_CONFIG_HOME; and set dir $XDG_CONFIG_HOME/paks/envs
    test -d $dir; and path basename $dir/* 2>/dev/null
end

function __paks_images
    set -l engine podman
    command -q podman; or set engine docker
    command $engine images --format '{{.Repository}}:{{.Tag}}' 2>/dev/null |
        string match -v '*<none>*'
end

function __paks_keys
    printf '%s\t%s\n' \
        container_tech 'auto, podman or docker' \
        container_shell 'shell run in the container' \
        user 'user in the container' \
        config_editor 'editor command' \
        hooks_path "directories with '#' commands" \
        mode 'auto, preload or pty' \
        cp_unconfined 'true lets #cp reach outside the launch directory' \
        save_suffix "#save's image name suffix" \
        save_squash 'true squashes the image on every #save'
end

complete -c paks -f

# paks
set -l top __paks_no_command
complete -c paks -n $top -s h -l help -d 'show the commands'
complete -c paks -n $top -s V -l version -d 'show the version'
complete -c paks -n $top -a run -d 'start a shell in a new container from IMAGE'
complete -c paks -n $top -a env -d 'manage named environments'
complete -c paks -n $top -a config -d 'show or change settings'
complete -c paks -n $top -a hooks -d "list user-defined '#' commands"
complete -c paks -n $top -a path -d 'check a path against the launch directory'
complete -c paks -n $top -a export -d 'write IMAGE as an archive, SquashFS or tarball'
complete -c paks -n $top -a gc -d 'remove what a killed paks left behind'
complete -c paks -n $top -a doctor -d "check this machine's setup for paks"

# paks run [OPTIONS] IMAGE
set -l run '__paks_at run'
complete -c paks -n $run -l shell -x -d 'shell to run'
complete -c paks -n $run -l container-tech -x -a 'auto podman docker charliecloud' -d engine
complete -c paks -n $run -l keep -d 'charliecloud: keep the writable copy of IMAGE'
complete -c paks -n $run -l mode -x -a 'auto preload pty' -d 'how # lines are caught'
complete -c paks -n $run -s s -l set -x -a '(__paks_keys | string replace \t =\t)' -d 'override one setting for this run'
complete -c paks -n $run -l engine-arg -x -d "pass ARG to the engine before 'run'"
complete -c paks -n $run -s v -l volume -r -F -d "bind mount, as the engine's --volume"
complete -c paks -n $run -s e -l env -x -a '(set -n)' -d 'set a variable in the shell'
complete -c paks -n $run -s w -l workdir -x -d 'start in DIR'
complete -c paks -n $run -s p -l publish -x -d 'publish ports'
complete -c paks -n $run -l name -x -d 'container name'
complete -c paks -n $run -l user -x -a '(__fish_complete_users)' -d 'user inside the container'
complete -c paks -n $run -l network -x -d 'network mode'
complete -c paks -n $run -l entrypoint -x -a '(__fish_complete_command)' -d 'run the shell through CMD'
complete -c paks -n $run -s h -l help -d 'show this help'
complete -c paks -n '__paks_at run 0' -F -a '(__paks_images)' -d image

# paks env COMMAND
set -l env0 '__paks_at env 0'
complete -c paks -n $env0 -a add -d 'set variables (creates NAME)'
complete -c paks -n $env0 -a rm -d 'remove variables, or all of NAME'
complete -c paks -n $env0 -a show -d 'print the variables of NAME'
complete -c paks -n $env0 -a list -d 'list the environments'
complete -c paks -n $env0 -a edit -d 'edit NAME in the editor, then check it'
complete -c paks -n $env0 -a path -d 'print the directory or the file of NAME'
complete -c paks -n "__paks_at env 1; and not __fish_seen_subcommand_from list" \
    -a '(__paks_envs)' -d 'named environment'

# paks config COMMAND
set -l config0 '__paks_at config 0'
complete -c paks -n $config0 -a show -d 'print the effective settings'
complete -c paks -n $config0 -a get -d 'print one setting'
complete -c paks -n $config0 -a set -d 'check and store one setting'
complete -c paks -n $config0 -a unset -d 'remove a setting from the file'
complete -c paks -n $config0 -a init -d 'write a commented file with the defaults'
complete -c paks -n $config0 -a edit -d 'edit the file, then check it'
complete -c paks -n $config0 -a path -d 'print the path of the file'
complete -c paks -n "__paks_at config 1; and __fish_seen_subcommand_from get unset" \
    -a '(__paks_keys)'
complete -c paks -n "__paks_at config 1; and __fish_seen_subcommand_from set" \
    -a '(__paks_keys | string replace \t =\t)'
complete -c paks -n "__paks_at config; and __fish_seen_subcommand_from init" \
    -s f -l force -d 'replace an existing file'

# paks hooks, path, export, gc
complete -c paks -n '__paks_at hooks 0' -a list -d 'show the hooks found'
complete -c paks -n '__paks_at hooks 0' -a dirs -d 'print the directories searched'
complete -c paks -n '__paks_at path' -l read -d 'PATH must exist'
complete -c paks -n '__paks_at path' -l write -d 'the directory of PATH must exist'
complete -c paks -n '__paks_at path' -s h -l help -d 'show this help'
complete -c paks -n '__paks_at path 0' -F
complete -c paks -n '__paks_at export' -l force -d 'replace FILE if it exists'
complete -c paks -n '__paks_at export' -l verbose -d "show the engine's own output"
complete -c paks -n '__paks_at export' -l help -d 'show this help'
complete -c paks -n '__paks_at export 0' -a '(__paks_images)' -d image
complete -c paks -n '__paks_at export 1' -F
complete -c paks -n '__paks_at gc' -s h -l help -d 'show this help'
complete -c paks -n '__paks_at doctor' -s h -l help -d 'show this help'
