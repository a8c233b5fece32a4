"""`vae-transition blender-addon` and `vae-transition comfyui-node`: write what an editor
installs to run the morph from inside it (docs/editors.md)."""

from __future__ import annotations

import click

from vae_transition.cli.common import user_errors


@click.command("blender-addon")
@click.option("--output", "-o", required=True, type=click.Path(dir_okay=False),
              help="The add-on zip to write, e.g. vae_transition_blender.zip.")
@click.option("--overwrite", is_flag=True, help="Replace OUTPUT if it exists.")
@user_errors
def blender_addon(output, overwrite):
    """Write the Blender add-on: a VSE operator (Strip > VAE Transition) that joins two movie
    strips with the morph. Install the zip in Edit > Preferences > Add-ons > Install.

    \b
    Example:
      vae-transition blender-addon -o vae_transition_blender.zip
    """
    from vae_transition.editors.blender import write_addon

    click.echo(write_addon(output, overwrite))


@click.command("comfyui-node")
@click.option("--output", "-o", "custom_nodes", required=True, type=click.Path(file_okay=False),
              help="ComfyUI's custom_nodes folder.")
@click.option("--overwrite", is_flag=True, help="Replace the folder this command wrote before.")
@user_errors
def comfyui_node(custom_nodes, overwrite):
    """Write the ComfyUI custom node package (the "VAE Transition" node) into CUSTOM_NODES.
    The node runs the vae-transition library, which must be installed in ComfyUI's Python.

    \b
    Example:
      vae-transition comfyui-node -o ~/ComfyUI/custom_nodes
    """
    from vae_transition.editors.comfyui_package import write_node_package

    click.echo(write_node_package(custom_nodes, overwrite))
